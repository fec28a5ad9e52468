// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_codes.h"
#include "password.h"

void password_wipe(char *buf, size_t size)
{
	explicit_bzero(buf, size);
}

static int copy_checked(const char *value, const char *source, char *out)
{
	size_t len = strlen(value);

	if (len > PASSWORD_MAX_LEN)
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
				"The password from %s is %zu characters long; AMT accepts at most %d.",
				source, len, PASSWORD_MAX_LEN);
	memcpy(out, value, len + 1);
	return 0;
}

static int read_file(const char *path, char *out)
{
	char line[PASSWORD_MAX_LEN + 3];
	size_t len;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f)
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
				"--password-file %s: %s. Give a readable file holding the password on its first line.",
				path, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);

	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (len == 0)
		ret = vp_error(VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
			       "--password-file %s: the first line is empty. Write the password on it.",
			       path);
	else
		ret = copy_checked(line, "--password-file", out);
	password_wipe(line, sizeof(line));
	return ret;
}

int password_load(struct password_sources *src, char *out)
{
	const char *env = getenv("AMT_PASSWORD");
	int ret;

	out[0] = '\0';
	if (src->flag && src->file)
		return vp_error(VP_EXIT_INVALID_PARAMETER_COMBINATION,
				"--password and --password-file were both given. Use one of them.");

	if (src->flag) {
		ret = copy_checked(src->flag, "--password", out);
		/* Hide the password from /proc/PID/cmdline from now on. */
		password_wipe(src->flag, strlen(src->flag));
		return ret;
	}
	if (src->file)
		return read_file(src->file, out);
	if (env && env[0])
		return copy_checked(env, "AMT_PASSWORD", out);
	return 0;
}
