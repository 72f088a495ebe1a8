/* capture_data.c -- the data capture.S fills and reads.  */
#include "capture.h"

struct captured captured;
struct ret_regs ret_regs;
