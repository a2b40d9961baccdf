#ifndef CLIBRBD_OPEN_IMAGES_H
#define CLIBRBD_OPEN_IMAGES_H

// Between the shim's files: calls on an image that must not race its close by the exit handler.

/// Whether `image` is open and not being closed; when it is, the open-images lock stays held (the exit handler then
/// cannot start closing it) until crbd_release_open_image. A device released on another thread while the process
/// exits would otherwise call librbd on an image the exit handler closed.
int crbd_hold_open_image(void *image);

/// Releases what crbd_hold_open_image held.
void crbd_release_open_image(void);

#endif
