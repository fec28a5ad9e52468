/* SPDX-License-Identifier: MIT */
/* vproctl status --watch: the vpro_heci "events" multicast group. */
#ifndef VPROCTL_STATUS_WATCH_H
#define VPROCTL_STATUS_WATCH_H

#include <stdbool.h>

/*
 * Subscribes to the "events" group of the vpro_heci generic netlink
 * family and prints one line per event on stdout (a JSON object with
 * @json) until SIGINT or SIGTERM, or until @count events when @count is
 * not 0. With @event set, other events are neither printed nor counted.
 * Prints "Watching ..." on stderr once subscribed. Returns an exit code:
 * 0 when stopped by a signal or after @count events.
 */
int status_watch(unsigned long count, bool json, const char *event);

/* True when @name is an event name that status_watch() prints. */
bool status_watch_event_known(const char *name);

#endif /* VPROCTL_STATUS_WATCH_H */
