/*
 * bench_minutes_state.c — writes a loadguard state file holding a full
 * minute rollup (N rows ending at the current minute), for `make bench` to
 * measure reads of 7 days of minutes without waiting 7 days.
 *
 * Built by test/bench.sh against src/ (the same LgMinute, LgMinuteBuilder
 * and file format the server uses; rows made by the server's own
 * lg_rollup_add from synthetic samples), with the layout version and the
 * section tag passed on the command line:
 *   cc -Isrc/model -DLG_LAYOUT=<LG_SHMEM_VERSION> test/bench_minutes_state.c \
 *      src/model/rollup.c src/model/histogram.c src/model/persist_format.c -lm
 *   ./a.out <file> <rows> <pg_major> <section tag>
 * Only the minutes section is written: the other modules start fresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "persist_format.h"
#include "rollup.h"

#define POSTGRES_EPOCH_UNIX 946684800LL

static uint32_t
crc32c(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t	crc = 0xFFFFFFFF;

	for (size_t i = 0; i < len; i++)
	{
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78 & (0U - (crc & 1)));
	}
	return crc ^ 0xFFFFFFFF;
}

typedef struct Head
{
	uint32_t	nrows;
	uint32_t	row_size;
	uint32_t	builder_size;
	uint32_t	reserved;
} Head;

int
main(int argc, char **argv)
{
	static LgMinuteBuilder b;
	LgHistogram lat;
	uint32_t	nrows;
	LgMinute   *rows;
	uint32_t	made = 0;
	int64_t		now;
	int64_t		first_minute;
	Head		head;
	LgPersistSectionHeader sh;
	LgPersistHeader header;
	size_t		payload_len;
	char	   *payload;
	size_t		off = 0;
	FILE	   *f;

	if (argc != 5)
	{
		fprintf(stderr, "usage: %s file rows pg_major tag\n", argv[0]);
		return 2;
	}
	nrows = (uint32_t) atol(argv[2]);
	rows = calloc(nrows, sizeof(LgMinute));
	now = ((int64_t) time(NULL) - POSTGRES_EPOCH_UNIX) * 1000000LL;
	first_minute = lg_minute_start(now) - (int64_t) nrows * LG_ROLLUP_MINUTE_US;

	lg_rollup_init(&b);
	lg_hist_clear(&lat);
	/* 60 samples a minute; the last sample starts the current minute */
	for (int64_t m = 0; m <= nrows && made < nrows; m++)
	{
		for (int s = 0; s < 60; s++)
		{
			LgSample	x;
			LgMinute	done;
			int			load = (int) ((m * 7 + s) % 90);

			memset(&x, 0, sizeof(x));
			x.ts = first_minute + m * LG_ROLLUP_MINUTE_US + (int64_t) s * 1000000LL;
			x.max_connections = 100;
			x.usable_connections = 97;
			x.client_connections = 5 + load;
			x.usage_pct = x.client_connections * 100.0 / 97;
			x.active = load / 3;
			x.idle = x.client_connections - x.active;
			x.busy_connections = x.active;
			x.events[LG_EV_CONNECTIONS_ESTABLISHED] = (uint32_t) (s % 3);
			x.events[LG_EV_STATEMENT_TIMEOUT] = (s == 0 && m % 10 == 0);
			x.statements = 20 + load;
			lat.counts[lg_hist_bucket(500 + (uint64_t) load * 100)] = x.statements;
			if (lg_rollup_add(&b, &x, &lat, &done) && made < nrows)
				rows[made++] = done;
			lat.counts[lg_hist_bucket(500 + (uint64_t) load * 100)] = 0;
		}
	}

	head.nrows = made;
	head.row_size = sizeof(LgMinute);
	head.builder_size = sizeof(LgMinuteBuilder);
	head.reserved = 0;
	payload_len = sizeof(sh) + sizeof(head) + sizeof(b) + (size_t) made * sizeof(LgMinute);
	payload = malloc(payload_len);
	memset(&sh, 0, sizeof(sh));
	sh.tag = (uint32_t) atol(argv[4]);
	sh.len = payload_len - sizeof(sh);
	memcpy(payload + off, &sh, sizeof(sh));
	off += sizeof(sh);
	memcpy(payload + off, &head, sizeof(head));
	off += sizeof(head);
	memcpy(payload + off, &b, sizeof(b));
	off += sizeof(b);
	memcpy(payload + off, rows, (size_t) made * sizeof(LgMinute));
	lg_persist_make_header(&header, (uint32_t) atol(argv[3]), LG_LAYOUT,
						   payload, payload_len, 1, crc32c);
	f = fopen(argv[1], "wb");
	if (f == NULL ||
		fwrite(&header, sizeof(header), 1, f) != 1 ||
		fwrite(payload, 1, payload_len, f) != payload_len ||
		fclose(f) != 0)
	{
		perror(argv[1]);
		return 1;
	}
	printf("%u minutes written to %s\n", made, argv[1]);
	return 0;
}
