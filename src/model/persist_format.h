/*
 * persist_format.h — the layout of loadguard's state file and its validation.
 *
 * The file is a header, then sections (tag, length, bytes), each written by
 * one module.  The header carries a magic number, the format version, the
 * PostgreSQL major version, the shared-memory layout version and a checksum
 * of everything after it.  Plain C: the checksum function is passed in (the
 * server passes CRC-32C), so the validation is unit-tested without a server.
 */
#ifndef LG_PERSIST_FORMAT_H
#define LG_PERSIST_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define LG_PERSIST_MAGIC	0x4C475354	/* "LGST" */
#define LG_PERSIST_FORMAT	1
#define LG_PERSIST_MAX_SECTIONS 16

typedef struct LgPersistHeader
{
	uint32_t	magic;
	uint32_t	format;
	uint32_t	pg_major;
	uint32_t	layout_version;
	uint64_t	payload_len;	/* bytes after the header */
	uint32_t	checksum;		/* of the payload */
	uint32_t	nsections;
} LgPersistHeader;

typedef struct LgPersistSectionHeader
{
	uint32_t	tag;
	uint32_t	reserved;
	uint64_t	len;
} LgPersistSectionHeader;

typedef struct LgPersistSection
{
	uint32_t	tag;
	const void *data;
	uint64_t	len;
} LgPersistSection;

typedef enum LgPersistResult
{
	LG_PERSIST_OK = 0,
	LG_PERSIST_TRUNCATED,
	LG_PERSIST_BAD_MAGIC,
	LG_PERSIST_BAD_FORMAT,
	LG_PERSIST_FOREIGN_VERSION,
	LG_PERSIST_BAD_LAYOUT,
	LG_PERSIST_BAD_CHECKSUM,
	LG_PERSIST_BAD_SECTION
} LgPersistResult;

typedef uint32_t (*LgChecksumFn) (const void *data, size_t len);

/* Fill a header for a payload already laid out after it. */
extern void lg_persist_make_header(LgPersistHeader *header, uint32_t pg_major,
								   uint32_t layout_version, const void *payload,
								   uint64_t payload_len, uint32_t nsections,
								   LgChecksumFn checksum);

/*
 * Validate a whole file image and split it into sections.  On LG_PERSIST_OK
 * sections[0..*nsections-1] point into buf.
 */
extern LgPersistResult lg_persist_parse(const void *buf, size_t len,
										uint32_t pg_major, uint32_t layout_version,
										LgChecksumFn checksum,
										LgPersistSection *sections, int max_sections,
										int *nsections);

extern const char *lg_persist_result_detail(LgPersistResult result);

#endif							/* LG_PERSIST_FORMAT_H */
