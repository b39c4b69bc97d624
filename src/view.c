/* placeholder until the views branch lands */
#include "internal.h"
