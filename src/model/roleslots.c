/*
 * roleslots.c — merging the per-slot peaks the worker takes (roleslots.h).
 */
#include "roleslots.h"

int
lg_role_peaks_merge(LgRolePeak *items, int n)
{
	int			kept = 0;

	for (int i = 0; i < n; i++)
	{
		bool		merged = false;

		if (items[i].peak <= 0)
			continue;
		for (int k = 0; k < kept && !merged; k++)
		{
			if (items[k].roleid == items[i].roleid)
			{
				/* two slots of one role: their peaks bound the role's */
				items[k].peak += items[i].peak;
				merged = true;
			}
		}
		if (!merged)
			items[kept++] = items[i];
	}
	return kept;
}
