/*
 * persist.c — keeps what loadguard saw across clean restarts.
 *
 * On clean shutdown the postmaster (after every child has exited, so no
 * lock is needed) writes each module's section to pg_stat/loadguard.stat
 * through a temporary file, fsync and durable_rename.  At the next start,
 * shmem_startup loads it and removes it.  A missing file means a fresh
 * start; a truncated, corrupted or foreign file gives one WARNING and a
 * fresh start, never a failed startup.  After a crash the file is gone
 * (removed at load) and the callback runs with a non-zero code: state
 * starts fresh.  An immediate shutdown (no shutdown checkpoint, crash
 * recovery at the next start) is treated like a crash: nothing is saved.
 *
 * The sections are the modules of the module table (modules.c) that have a
 * persist tag; each module dumps and loads its own.  A section its module
 * rejects (a different build's layout, impossible values) gives one
 * WARNING naming it; that module starts empty, the others load.  A tag no
 * module has is ignored, and a module whose section is missing starts
 * empty: a new section needs no layout version bump.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xlog_internal.h"
#include "catalog/pg_control.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "storage/ipc.h"

#include "loadguard.h"
#include "persist.h"
#include "persist_format.h"
#include "shmem.h"

#define LG_STATE_FILE		PGSTAT_STAT_PERMANENT_DIRECTORY "/loadguard.stat"
#define LG_STATE_FILE_TMP	LG_STATE_FILE ".tmp"
#define LG_STATE_FILE_MAX	(1024L * 1024 * 1024)

static uint32
lg_crc32c(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

static uint32
lg_pg_major(void)
{
	return PG_VERSION_NUM / 10000;
}

/*
 * Did the server shut down cleanly?  The postmaster exits with code 0 after
 * an immediate shutdown too, when children were killed in the middle of
 * whatever they were doing and crash recovery will run at the next start:
 * state then starts fresh, as after a crash.  The control file tells, since
 * the shutdown checkpoint has written it by the time the postmaster exits.
 * Read by hand (no ereport on this path): any doubt means "not clean".
 */
static bool
lg_shut_down_cleanly(void)
{
	ControlFileData control;
	pg_crc32c	crc;
	int			fd;
	ssize_t		len;

	fd = open(XLOG_CONTROL_FILE, O_RDONLY | PG_BINARY, 0);
	if (fd < 0)
		return false;
	len = read(fd, &control, sizeof(control));
	close(fd);
	if (len != sizeof(control))
		return false;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, &control, offsetof(ControlFileData, crc));
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, control.crc))
		return false;
	return control.state == DB_SHUTDOWNED || control.state == DB_SHUTDOWNED_IN_RECOVERY;
}

static void
lg_persist_save(int code, Datum arg)
{
	StringInfoData payload;
	LgPersistHeader header;
	FILE	   *file;
	int			nsections = 0;

	/* after a crash or in a failed startup, keep nothing */
	if (code != 0 || !lg_shmem_attached())
		return;
	if (!lg_shut_down_cleanly())
	{
		ereport(LOG,
				(errmsg("loadguard did not save its state: the server did not shut down cleanly")));
		return;
	}

	initStringInfo(&payload);
	for (int i = 0; i < lg_nmodules; i++)
	{
		const LgModule *m = &lg_modules[i];
		LgPersistSectionHeader sh;
		int			start;

		if (m->persist_tag == 0 || m->dump == NULL)
			continue;
		memset(&sh, 0, sizeof(sh));
		sh.tag = m->persist_tag;
		start = payload.len;
		appendBinaryStringInfo(&payload, (const char *) &sh, sizeof(sh));
		m->dump(&payload);
		sh.len = payload.len - start - sizeof(sh);
		memcpy(payload.data + start, &sh, sizeof(sh));
		nsections++;
	}
	lg_persist_make_header(&header, lg_pg_major(), LG_SHMEM_VERSION,
						   payload.data, payload.len,
						   nsections, lg_crc32c);

	file = AllocateFile(LG_STATE_FILE_TMP, PG_BINARY_W);
	if (file == NULL ||
		fwrite(&header, sizeof(header), 1, file) != 1 ||
		fwrite(payload.data, 1, payload.len, file) != (size_t) payload.len ||
		fflush(file) != 0 ||
		pg_fsync(fileno(file)) != 0)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not write loadguard state file \"%s\": %m",
						LG_STATE_FILE_TMP)));
		if (file)
			FreeFile(file);
		unlink(LG_STATE_FILE_TMP);
		return;
	}
	FreeFile(file);
	(void) durable_rename(LG_STATE_FILE_TMP, LG_STATE_FILE, LOG);
}

static void
lg_persist_warn(const char *detail)
{
	ereport(WARNING,
			(errmsg("loadguard state file \"%s\" ignored; starting fresh", LG_STATE_FILE),
			 errdetail("%s", detail)));
}

static void
lg_persist_load(void)
{
	struct stat st;
	FILE	   *file;
	char	   *buf;
	LgPersistSection sections[LG_PERSIST_MAX_SECTIONS];
	int			nsections;
	LgPersistResult result;

	if (stat(LG_STATE_FILE, &st) != 0)
		return;					/* no file: a fresh start */
	if (st.st_size > LG_STATE_FILE_MAX)
	{
		lg_persist_warn("The file is larger than 1GB.");
		unlink(LG_STATE_FILE);
		return;
	}

	file = AllocateFile(LG_STATE_FILE, PG_BINARY_R);
	if (file == NULL)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not read loadguard state file \"%s\": %m",
						LG_STATE_FILE),
				 errdetail("loadguard starts with fresh state.")));
		unlink(LG_STATE_FILE);
		return;
	}
	buf = palloc_extended(st.st_size + 1, MCXT_ALLOC_NO_OOM);
	if (buf == NULL || fread(buf, 1, st.st_size, file) != (size_t) st.st_size)
	{
		FreeFile(file);
		lg_persist_warn("The file could not be read completely.");
		unlink(LG_STATE_FILE);
		if (buf)
			pfree(buf);
		return;
	}
	FreeFile(file);
	unlink(LG_STATE_FILE);

	result = lg_persist_parse(buf, st.st_size, lg_pg_major(), LG_SHMEM_VERSION,
							  lg_crc32c, sections, LG_PERSIST_MAX_SECTIONS, &nsections);
	if (result != LG_PERSIST_OK)
	{
		lg_persist_warn(lg_persist_result_detail(result));
		pfree(buf);
		return;
	}

	for (int s = 0; s < nsections; s++)
	{
		for (int m = 0; m < lg_nmodules; m++)
		{
			if (lg_modules[m].persist_tag == sections[s].tag && lg_modules[m].load &&
				!lg_modules[m].load(sections[s].data, sections[s].len))
				ereport(WARNING,
						(errmsg("loadguard state file \"%s\": section \"%s\" ignored",
								LG_STATE_FILE, lg_modules[m].name),
						 errdetail("The section does not fit this build of loadguard; it starts empty, the other sections are restored.")));
		}
	}
	pfree(buf);
	ereport(LOG,
			(errmsg("loadguard restored its state from \"%s\"", LG_STATE_FILE)));
}

void
lg_persist_append_ring(StringInfo out, const LgRing *ring, const void *slots, size_t stride)
{
	uint32		n = lg_ring_count(ring);
	Size		bytes = (Size) n * stride;

	enlargeStringInfo(out, (int) bytes);
	lg_ring_copy_out(ring, slots, stride, 0, n, out->data + out->len);
	out->len += bytes;
	out->data[out->len] = '\0';
}

bool
lg_persist_ring_fits(Size len, Size before, uint32 n, uint32 entry_size, Size stride)
{
	return entry_size == stride && len >= before && len - before == (Size) n * stride;
}

/*
 * Called from shmem startup once every module's shared memory is fresh.
 * Only the postmaster (or a standalone backend) owns the file.
 */
void
lg_persist_startup(void)
{
	if (IsUnderPostmaster)
		return;
	lg_persist_load();
	on_shmem_exit(lg_persist_save, (Datum) 0);
}
