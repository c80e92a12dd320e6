#!/usr/bin/env bash
# test/validate_django.sh DIR PGHOST PGPORT — the smallest Django app of the
# kind issue 17 was found on, for `make validate` (part c): one view that
# runs a 10 ms query, persistent connections per thread (CONN_MAX_AGE =
# None), statement_timeout passed at connect as Django users do, and a
# locustfile whose users request it with a little think time.  Debian
# packages: python3-django, gunicorn, python3-psycopg2, python3-locust.
set -eu
DIR=$1
HOST=$2
PORT=$3
mkdir -p "$DIR/app/app"
cat >"$DIR/app/manage.py" <<'EOF'
#!/usr/bin/python3
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
EOF
: >"$DIR/app/app/__init__.py"
cat >"$DIR/app/app/settings.py" <<EOF
SECRET_KEY = "validate-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "app.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "app",
        "HOST": "$HOST",
        "PORT": "$PORT",
        "CONN_MAX_AGE": None,
        "OPTIONS": {"options": "-c statement_timeout=30000"},
    }
}
EOF
cat >"$DIR/app/app/urls.py" <<'EOF'
from django.db import connection
from django.http import HttpResponse
from django.urls import path


def index(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.01)")
    return HttpResponse("ok")


urlpatterns = [path("", index)]
EOF
cat >"$DIR/app/app/wsgi.py" <<'EOF'
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
EOF
cat >"$DIR/app/locustfile.py" <<'EOF'
from locust import HttpUser, between, task


class Visitor(HttpUser):
    wait_time = between(0.05, 0.2)

    @task
    def index(self):
        self.client.get("/")
EOF
chmod -R a+rX "$DIR/app"
[ "$(id -u)" = 0 ] && chown -R postgres: "$DIR/app"
/usr/bin/python3 -c "import django, gunicorn, psycopg2, locust" 
