/* removed when the cli branch lands */
#include <stdio.h>
int main(void) { puts("shmap: CLI not built yet"); return 1; }
