/* The ABI name tables live beside the ABI header (native/abi) so the addon can share them; binding.gyp
 * compiles only the .c files in native/server for the server, so they are built into it from here. */
#include "fuse_names.c"
