/*
 * test_rolepack.c — cmocka tests for the history's packed samples
 * (src/model/rolepack.c): roles round-trip exactly, the pool wraps and the
 * oldest samples then read back with their roles unknown, never wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rolepack.h"

/* a sample with nroles roles whose counts derive from seed */
static void
make_sample(LgSample *s, int64_t ts, int nroles, bool complete, int seed)
{
	memset(s, 0, sizeof(*s));
	s->ts = ts;
	s->max_connections = 100;
	s->client_connections = 10 + seed;
	s->active = 3 + seed;
	s->busy_connections = 4 + seed;
	s->usage_pct = 12.5 + seed;
	s->events[3] = (uint32_t) seed;
	s->statements = 1000 + (uint64_t) seed;
	s->latency_p95_ms = 0.25 * seed;
	s->peak_connections = 11 + seed;
	s->nroles = nroles;
	for (int i = 0; i < nroles; i++)
	{
		LgRoleCount *r = &s->roles[i];

		r->roleid = 16384 + (uint32_t) (i * 7 + seed);
		r->connections = 9 - i + seed;
		r->active = i + seed % 3;
		r->busy = i;
		r->established = seed * 100 + i;
		r->refused = seed % 2;
		r->ended = i * 2;
		r->short_lived = i;
		r->peak_connections = 10 - i + seed;
	}
	s->roles_complete = complete;
	if (!complete)
	{
		s->other_roles_connections = 5 + seed;
		s->other_roles_active = 2;
		s->other_roles_busy = 1;
	}
}

/* every field, one by one (padding differs) */
static void
assert_same_sample(const LgSample *a, const LgSample *b)
{
	assert_memory_equal(a, b, LG_SAMPLE_CORE_SIZE);
	assert_int_equal(a->nroles, b->nroles);
	for (int i = 0; i < a->nroles; i++)
		assert_memory_equal(&a->roles[i], &b->roles[i], sizeof(LgRoleCount));
	assert_int_equal(a->other_roles_connections, b->other_roles_connections);
	assert_int_equal(a->other_roles_active, b->other_roles_active);
	assert_int_equal(a->other_roles_busy, b->other_roles_busy);
	assert_int_equal(a->roles_complete, b->roles_complete);
}

static void
assert_roles_unknown(const LgSample *s)
{
	assert_int_equal(s->nroles, 0);
	assert_false(s->roles_complete);
	assert_int_equal(s->other_roles_connections, s->client_connections);
	assert_int_equal(s->other_roles_active, s->active);
	assert_int_equal(s->other_roles_busy, s->busy_connections);
}

static void
test_roundtrip(void **state)
{
	uint8_t		buf[LG_ROLEPACK_MAX];
	LgSample	in;
	LgSample	out;

	(void) state;
	for (int nroles = 0; nroles <= LG_SAMPLE_ROLES; nroles++)
	{
		for (int complete = 0; complete <= 1; complete++)
		{
			size_t		len;

			make_sample(&in, 1000 + nroles, nroles, complete, nroles + 1);
			len = lg_roles_encode(&in, buf);
			assert_true(len <= LG_ROLEPACK_MAX);
			memset(&out, 0x55, sizeof(out));
			memcpy(&out, &in, LG_SAMPLE_CORE_SIZE);
			assert_true(lg_roles_decode(buf, len, &out));
			assert_same_sample(&in, &out);
		}
	}
}

/* no role, nothing summed: nothing stored; one small role: a few bytes */
static void
test_sizes(void **state)
{
	uint8_t		buf[LG_ROLEPACK_MAX];
	LgSample	s;

	(void) state;
	make_sample(&s, 1, 0, true, 0);
	assert_int_equal(lg_roles_encode(&s, buf), 0);
	make_sample(&s, 1, 1, true, 0);
	/* header, roleid 16384 (3 bytes), eight one-byte counts */
	assert_int_equal(lg_roles_encode(&s, buf), 1 + 3 + 8);
}

/* extreme and negative values round-trip too (5-byte varints) */
static void
test_extremes(void **state)
{
	uint8_t		buf[LG_ROLEPACK_MAX];
	LgSample	in;
	LgSample	out;
	size_t		len;

	(void) state;
	make_sample(&in, 1, LG_SAMPLE_ROLES, false, 1);
	for (int i = 0; i < LG_SAMPLE_ROLES; i++)
	{
		in.roles[i].roleid = UINT32_MAX;
		in.roles[i].connections = INT32_MAX;
		in.roles[i].active = -1;
		in.roles[i].busy = INT32_MIN;
		in.roles[i].established = INT32_MAX;
		in.roles[i].refused = -7;
		in.roles[i].ended = INT32_MAX;
		in.roles[i].short_lived = INT32_MAX;
		in.roles[i].peak_connections = INT32_MIN;
	}
	in.other_roles_connections = INT32_MAX;
	in.other_roles_active = -1;
	in.other_roles_busy = INT32_MIN;
	len = lg_roles_encode(&in, buf);
	assert_int_equal(len, LG_ROLEPACK_MAX);
	memcpy(&out, &in, LG_SAMPLE_CORE_SIZE);
	assert_true(lg_roles_decode(buf, len, &out));
	assert_same_sample(&in, &out);
}

/* truncated or padded bytes are refused, and leave the roles unknown */
static void
test_malformed(void **state)
{
	uint8_t		buf[LG_ROLEPACK_MAX + 1];
	LgSample	in;
	LgSample	out;
	size_t		len;

	(void) state;
	make_sample(&in, 1, 3, true, 2);
	len = lg_roles_encode(&in, buf);
	memcpy(&out, &in, LG_SAMPLE_CORE_SIZE);
	assert_false(lg_roles_decode(buf, len - 1, &out));
	assert_roles_unknown(&out);
	buf[len] = 0;
	assert_false(lg_roles_decode(buf, len + 1, &out));
	assert_roles_unknown(&out);
	buf[0] = 0x0F;				/* 15 roles */
	assert_false(lg_roles_decode(buf, len, &out));
	assert_roles_unknown(&out);
}

/*
 * A ring of SLOTS samples over a pool too small for all their roles: the
 * newest read back exactly, the oldest with unknown roles, none garbled,
 * across many wraps of the pool (positions past 2^32 included).
 */
#define SLOTS 20
static void
test_pool_wraps(void **state)
{
	LgStoredSample slots[SLOTS];
	uint8_t		bytes[600];
	LgBytePool	pool;
	LgSample	written[SLOTS];
	int			lost = 0;
	int			kept = 0;

	(void) state;
	for (int start = 0; start < 2; start++)
	{
		lg_pool_init(&pool, sizeof(bytes));
		if (start == 1)
			pool.head = UINT32_MAX - 40;	/* the 32-bit position wraps */
		for (int i = 0; i < 500; i++)
		{
			LgSample	s;

			make_sample(&s, i, i % (LG_SAMPLE_ROLES + 1), i % 3 != 0, i);
			lg_sample_store(&slots[i % SLOTS], &s, &pool, bytes);
			written[i % SLOTS] = s;

			/* every sample still in the ring: exact, or unknown roles */
			for (int back = 0; back < SLOTS && back <= i; back++)
			{
				int			k = (i - back) % SLOTS;
				LgSample	out;

				lg_sample_load(&slots[k], &out, true, &pool, bytes);
				assert_memory_equal(&out, &written[k], LG_SAMPLE_CORE_SIZE);
				/* written samples never look unknown (others != client) */
				if (out.nroles == 0 && !out.roles_complete &&
					out.other_roles_connections == out.client_connections)
				{
					/* lost: only when the pool wrapped over it */
					if (back == 0)
						fail_msg("newest sample %d lost its roles (start %d)", i, start);
					lost++;
					continue;
				}
				kept++;
				assert_same_sample(&out, &written[k]);
			}
		}
	}
	/* 600 bytes for 20 samples of 0 to 8 roles: some lost, most kept */
	assert_true(lost > 0);
	assert_true(kept > lost);
}

/* the newest sample is always whole, and the figures never depend on roles */
static void
test_figures_only(void **state)
{
	LgStoredSample slot;
	uint8_t		bytes[LG_ROLEPACK_MAX];
	LgBytePool	pool;
	LgSample	in;
	LgSample	out;

	(void) state;
	lg_pool_init(&pool, sizeof(bytes));
	make_sample(&in, 42, LG_SAMPLE_ROLES, false, 3);
	lg_sample_store(&slot, &in, &pool, bytes);
	assert_int_equal(lg_stored_ts(&slot), 42);
	lg_sample_load(&slot, &out, true, &pool, bytes);
	assert_same_sample(&in, &out);
	lg_sample_load(&slot, &out, false, &pool, bytes);
	assert_memory_equal(&out, &in, LG_SAMPLE_CORE_SIZE);
	assert_roles_unknown(&out);
}

/* a pool smaller than one sample's roles keeps the figures, roles unknown */
static void
test_pool_too_small(void **state)
{
	LgStoredSample slot;
	uint8_t		bytes[8];
	LgBytePool	pool;
	LgSample	in;
	LgSample	out;

	(void) state;
	lg_pool_init(&pool, sizeof(bytes));
	make_sample(&in, 7, 4, true, 1);
	lg_sample_store(&slot, &in, &pool, bytes);
	lg_sample_load(&slot, &out, true, &pool, bytes);
	assert_memory_equal(&out, &in, LG_SAMPLE_CORE_SIZE);
	assert_roles_unknown(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_pool_wraps),
		cmocka_unit_test(test_figures_only),
		cmocka_unit_test(test_pool_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
