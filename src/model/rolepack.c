/*
 * rolepack.c — a sample as the history ring stores it: figures in a slot,
 * per-role counts packed into a byte pool.  Plain C: see rolepack.h.
 *
 * Packed roles: one header byte (nroles in bits 0-3, bit 4 set when the
 * roles are complete), the three other_roles_* sums when they are not, then
 * per role its roleid and its seven counts (bit 5 of the header: the sums
 * follow; they are left out when all zero).  Every number is a uint32 as a
 * little-endian base-128 varint (7 bits a byte, high bit: more follow), so
 * any int32 round-trips and the usual small counts take one byte.  A
 * complete sample with no role packs to nothing.
 */
#include <string.h>

#include "rolepack.h"

_Static_assert(offsetof(LgSample, ts) == 0, "the slot's ts is core[0]");
_Static_assert(LG_SAMPLE_CORE_SIZE % sizeof(int64_t) == 0,
			   "the figures fill whole int64 words");
_Static_assert(sizeof(LgSample) - offsetof(LgSample, roles_complete) <= sizeof(int64_t),
			   "roles_complete is LgSample's last field: every field before nroles is stored");
_Static_assert(LG_SAMPLE_ROLES < 16, "nroles fits in the header's 4 bits");

/*
 * Every LgRoleCount field is one 32-bit varint: a field added to the
 * struct must be added to encode/decode and LG_ROLEPACK_FIELDS, or its
 * value would be lost once the sample is in the ring.
 */
_Static_assert(sizeof(LgRoleCount) == LG_ROLEPACK_FIELDS * sizeof(int32_t),
			   "rolepack.c does not pack every field of LgRoleCount");

#define HEADER_COMPLETE 0x10
#define HEADER_OTHERS	0x20

static uint8_t *
put_varint(uint8_t *p, uint32_t v)
{
	while (v >= 0x80)
	{
		*p++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t) v;
	return p;
}

/* false when the bytes end first or the number is longer than 5 bytes */
static bool
get_varint(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	uint32_t	result = 0;

	for (int shift = 0; shift < 35; shift += 7)
	{
		uint8_t		b;

		if (*p >= end)
			return false;
		b = *(*p)++;
		result |= (uint32_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			*v = result;
			return true;
		}
	}
	return false;
}

size_t
lg_roles_encode(const LgSample *s, uint8_t *out)
{
	uint8_t    *p = out;
	int			nroles = s->nroles;

	if (nroles < 0)
		nroles = 0;
	if (nroles > LG_SAMPLE_ROLES)
		nroles = LG_SAMPLE_ROLES;
	if (nroles == 0 && s->roles_complete &&
		(s->other_roles_connections | s->other_roles_active | s->other_roles_busy) == 0)
		return 0;

	*p = (uint8_t) nroles | (s->roles_complete ? HEADER_COMPLETE : 0);
	if ((s->other_roles_connections | s->other_roles_active | s->other_roles_busy) == 0)
		p++;
	else
	{
		*p++ |= HEADER_OTHERS;
		p = put_varint(p, (uint32_t) s->other_roles_connections);
		p = put_varint(p, (uint32_t) s->other_roles_active);
		p = put_varint(p, (uint32_t) s->other_roles_busy);
	}
	for (int i = 0; i < nroles; i++)
	{
		const LgRoleCount *r = &s->roles[i];

		p = put_varint(p, r->roleid);
		p = put_varint(p, (uint32_t) r->connections);
		p = put_varint(p, (uint32_t) r->active);
		p = put_varint(p, (uint32_t) r->busy);
		p = put_varint(p, (uint32_t) r->established);
		p = put_varint(p, (uint32_t) r->refused);
		p = put_varint(p, (uint32_t) r->ended);
		p = put_varint(p, (uint32_t) r->short_lived);
		p = put_varint(p, (uint32_t) r->peak_connections);
	}
	return (size_t) (p - out);
}

bool
lg_roles_decode(const uint8_t *in, size_t len, LgSample *s)
{
	const uint8_t *p = in;
	const uint8_t *end = in + len;
	uint32_t	v[LG_ROLEPACK_FIELDS];
	int			nroles;

	memset(s->roles, 0, sizeof(s->roles));
	s->nroles = 0;
	s->other_roles_connections = 0;
	s->other_roles_active = 0;
	s->other_roles_busy = 0;
	s->roles_complete = true;
	if (len == 0)
		return true;

	nroles = *p & 0x0F;
	s->roles_complete = (*p & HEADER_COMPLETE) != 0;
	if (nroles > LG_SAMPLE_ROLES || (*p & ~0x3F) != 0)
		goto bad;
	if (*p++ & HEADER_OTHERS)
	{
		if (!get_varint(&p, end, &v[0]) || !get_varint(&p, end, &v[1]) ||
			!get_varint(&p, end, &v[2]))
			goto bad;
		s->other_roles_connections = (int32_t) v[0];
		s->other_roles_active = (int32_t) v[1];
		s->other_roles_busy = (int32_t) v[2];
	}
	for (int i = 0; i < nroles; i++)
	{
		LgRoleCount *r = &s->roles[i];

		for (int k = 0; k < LG_ROLEPACK_FIELDS; k++)
		{
			if (!get_varint(&p, end, &v[k]))
				goto bad;
		}
		r->roleid = v[0];
		r->connections = (int32_t) v[1];
		r->active = (int32_t) v[2];
		r->busy = (int32_t) v[3];
		r->established = (int32_t) v[4];
		r->refused = (int32_t) v[5];
		r->ended = (int32_t) v[6];
		r->short_lived = (int32_t) v[7];
		r->peak_connections = (int32_t) v[8];
	}
	if (p != end)
		goto bad;
	s->nroles = nroles;
	return true;

bad:
	lg_roles_unknown(s);
	return false;
}

void
lg_roles_unknown(LgSample *s)
{
	memset(s->roles, 0, sizeof(s->roles));
	s->nroles = 0;
	s->roles_complete = false;
	s->other_roles_connections = s->client_connections;
	s->other_roles_active = s->active;
	s->other_roles_busy = s->busy_connections;
}

void
lg_pool_init(LgBytePool *pool, uint32_t capacity)
{
	pool->head = 0;
	pool->capacity = capacity > 0 ? capacity : 1;
}

void
lg_sample_store(LgStoredSample *slot, const LgSample *s, LgBytePool *pool, uint8_t *bytes)
{
	uint8_t		packed[LG_ROLEPACK_MAX];
	size_t		len = lg_roles_encode(s, packed);

	memcpy(slot->core, s, LG_SAMPLE_CORE_SIZE);
	slot->reserved = 0;
	if (len > pool->capacity)
	{
		/* cannot be kept at all: an impossible length marks it unknown */
		slot->roles_at = (uint32_t) pool->head;
		slot->roles_len = UINT16_MAX;
		return;
	}
	slot->roles_at = (uint32_t) pool->head;
	slot->roles_len = (uint16_t) len;
	for (size_t done = 0; done < len;)
	{
		uint32_t	at = (uint32_t) (pool->head % pool->capacity);
		size_t		n = pool->capacity - at;

		if (n > len - done)
			n = len - done;
		memcpy(bytes + at, packed + done, n);
		done += n;
		pool->head += n;
	}
}

void
lg_sample_load(const LgStoredSample *slot, LgSample *out, bool with_roles,
			   const LgBytePool *pool, const uint8_t *bytes)
{
	uint8_t		packed[LG_ROLEPACK_MAX];
	uint32_t	len = slot->roles_len;
	uint32_t	age;			/* bytes appended since this slot's roles */
	uint64_t	start;

	memcpy(out, slot->core, LG_SAMPLE_CORE_SIZE);
	if (!with_roles)
	{
		lg_roles_unknown(out);
		return;
	}
	if (len == 0)
	{
		static const uint8_t none = 0;

		(void) lg_roles_decode(&none, 0, out);
		return;
	}

	/*
	 * The slot's 32-bit position is exact while fewer than 2^32 bytes were
	 * appended after it; a ring slot is at most history_size samples old, of
	 * at most LG_ROLEPACK_MAX bytes each, far below that.
	 */
	age = (uint32_t) pool->head - slot->roles_at;
	if (len > LG_ROLEPACK_MAX || age < len || age > pool->capacity)
	{
		lg_roles_unknown(out);
		return;
	}
	start = pool->head - age;
	for (uint32_t done = 0; done < len;)
	{
		uint32_t	at = (uint32_t) ((start + done) % pool->capacity);
		uint32_t	n = pool->capacity - at;

		if (n > len - done)
			n = len - done;
		memcpy(packed + done, bytes + at, n);
		done += n;
	}
	(void) lg_roles_decode(packed, len, out);
}
