/* SPDX-License-Identifier: MIT */
/*
 * Property checks for the fuzz targets. A failed check prints the
 * condition and its source line, then aborts, so libFuzzer stores the
 * input as a crash artifact and exits non-zero.
 */
#ifndef VPRO_FUZZ_CHECK_H
#define VPRO_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif /* VPRO_FUZZ_CHECK_H */
