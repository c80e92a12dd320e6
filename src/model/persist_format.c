/*
 * persist_format.c — building and validating the state file's image.
 * Plain C; see persist_format.h.  Every length read from the file is checked
 * against what remains before it is used: a truncated or corrupted file is
 * reported, never read past.
 */
#include <string.h>

#include "persist_format.h"

void
lg_persist_make_header(LgPersistHeader *header, uint32_t pg_major,
					   uint32_t layout_version, const void *payload,
					   uint64_t payload_len, uint32_t nsections,
					   LgChecksumFn checksum)
{
	memset(header, 0, sizeof(*header));
	header->magic = LG_PERSIST_MAGIC;
	header->format = LG_PERSIST_FORMAT;
	header->pg_major = pg_major;
	header->layout_version = layout_version;
	header->payload_len = payload_len;
	header->nsections = nsections;
	header->checksum = checksum(payload, (size_t) payload_len);
}

LgPersistResult
lg_persist_parse(const void *buf, size_t len, uint32_t pg_major,
				 uint32_t layout_version, LgChecksumFn checksum,
				 LgPersistSection *sections, int max_sections, int *nsections)
{
	LgPersistHeader header;
	const unsigned char *payload;
	uint64_t	offset = 0;

	*nsections = 0;
	if (len < sizeof(header))
		return LG_PERSIST_TRUNCATED;
	memcpy(&header, buf, sizeof(header));
	if (header.magic != LG_PERSIST_MAGIC)
		return LG_PERSIST_BAD_MAGIC;
	if (header.format != LG_PERSIST_FORMAT)
		return LG_PERSIST_BAD_FORMAT;
	if (header.pg_major != pg_major)
		return LG_PERSIST_FOREIGN_VERSION;
	if (header.layout_version != layout_version)
		return LG_PERSIST_BAD_LAYOUT;
	if (header.payload_len != len - sizeof(header))
		return LG_PERSIST_TRUNCATED;

	payload = (const unsigned char *) buf + sizeof(header);
	if (checksum(payload, (size_t) header.payload_len) != header.checksum)
		return LG_PERSIST_BAD_CHECKSUM;
	if (header.nsections > (uint32_t) max_sections)
		return LG_PERSIST_BAD_SECTION;

	for (uint32_t i = 0; i < header.nsections; i++)
	{
		LgPersistSectionHeader sh;

		if (header.payload_len - offset < sizeof(sh))
			return LG_PERSIST_BAD_SECTION;
		memcpy(&sh, payload + offset, sizeof(sh));
		offset += sizeof(sh);
		if (sh.len > header.payload_len - offset)
			return LG_PERSIST_BAD_SECTION;
		sections[i].tag = sh.tag;
		sections[i].data = payload + offset;
		sections[i].len = sh.len;
		offset += sh.len;
	}
	if (offset != header.payload_len)
		return LG_PERSIST_BAD_SECTION;
	*nsections = (int) header.nsections;
	return LG_PERSIST_OK;
}

const char *
lg_persist_result_detail(LgPersistResult result)
{
	switch (result)
	{
		case LG_PERSIST_OK:
			return "The file is valid.";
		case LG_PERSIST_TRUNCATED:
			return "The file is truncated.";
		case LG_PERSIST_BAD_MAGIC:
			return "The file is not a loadguard state file.";
		case LG_PERSIST_BAD_FORMAT:
			return "The file was written in another format version.";
		case LG_PERSIST_FOREIGN_VERSION:
			return "The file was written by another PostgreSQL major version.";
		case LG_PERSIST_BAD_LAYOUT:
			return "The file was written by another loadguard version.";
		case LG_PERSIST_BAD_CHECKSUM:
			return "The file's checksum does not match its contents.";
		case LG_PERSIST_BAD_SECTION:
			return "The file's sections are inconsistent.";
	}
	return "Unknown error.";
}
