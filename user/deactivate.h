/* SPDX-License-Identifier: MIT */
/* Options of "vproctl deactivate", shared by the local and RPS paths. */
#ifndef VPROCTL_DEACTIVATE_H
#define VPROCTL_DEACTIVATE_H

#include <stdbool.h>

#include "password.h"
#include "transport.h"

struct deactivate_args {
	const char *url;		/* -u: deactivate through RPS */
	const char *ca;
	struct password_sources password;
	enum transport_kind transport;
	bool local;
	bool insecure;
	bool json;
	bool verbose;
};

/*
 * Deactivates AMT through RPS at @args->url: sends "deactivate" with the
 * AMT password and relays RPS's WS-Man calls. Returns the exit code: 0,
 * 115 when AMT is not activated, 110 when RPS reports an error, and the
 * RPS connection codes of "vproctl activate" (20, 22, 70).
 */
int rps_deactivate(struct deactivate_args *args);

#endif /* VPROCTL_DEACTIVATE_H */
