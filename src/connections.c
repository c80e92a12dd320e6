/*
 * connections.c — current and peak connections by database, role,
 * application and client (loadguard.connections).
 * PLACEHOLDER: owned by the sampler work (issue 3).
 */
#include "postgres.h"

#include "loadguard.h"

Size
lg_names_shmem_size(void)
{
	return 0;
}

void
lg_names_shmem_init(void)
{
}

void
lg_names_reset(void)
{
}
