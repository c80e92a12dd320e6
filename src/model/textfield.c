/*
 * textfield.c — bounded printf into fixed text fields.  Plain C: see
 * textfield.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "textfield.h"

void
lg_text_set(char *field, size_t size, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(field, size, fmt, ap);
	va_end(ap);
}

void
lg_text_append(char *field, size_t size, const char *fmt,...)
{
	size_t		len = strlen(field);
	va_list		ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(field + len, size - len, fmt, ap);
	va_end(ap);
}
