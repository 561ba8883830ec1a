/*
 * sdnotify.h: telling systemd that a service is ready (sd_notify(3)).
 */
#ifndef GNTBOX_BASE_SDNOTIFY_H
#define GNTBOX_BASE_SDNOTIFY_H

/*
 * Send state ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET.  Returns 0,
 * also when $NOTIFY_SOCKET is unset (not started by systemd as
 * Type=notify); or an errno: EINVAL for an address this cannot reach, or
 * that of socket(2) or sendto(2).
 */
int gbx_sd_notify(const char *state);

#endif /* GNTBOX_BASE_SDNOTIFY_H */
