/* SPDX-License-Identifier: MIT */
/*
 * The AMT password, from --password, --password-file or AMT_PASSWORD.
 * vproctl never prints it and wipes every copy it made after use.
 */
#ifndef VPROCTL_PASSWORD_H
#define VPROCTL_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MAX_LEN	32	/* AMT's limit for the admin password */

struct password_sources {
	char *flag;		/* --password; wiped in argv once copied */
	const char *file;	/* --password-file */
};

/*
 * Copies the one given source into @out (size PASSWORD_MAX_LEN + 1),
 * or the AMT_PASSWORD environment variable when no flag was given.
 * @out is empty when there is none. Returns 0 or an exit code with a
 * printed error: 33 for two sources, 23 for an unreadable file or a
 * password longer than PASSWORD_MAX_LEN.
 */
int password_load(struct password_sources *src, char *out);

/* Wipes @buf of @size bytes; compilers do not drop this store. */
void password_wipe(char *buf, size_t size);

#endif /* VPROCTL_PASSWORD_H */
