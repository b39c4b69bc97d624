/* conio.h - console input as Windows programs use it. */
#ifndef SHMAP_CONIO_H
#define SHMAP_CONIO_H
#include "windows.h"
#ifdef __cplusplus
extern "C" {
#endif
/* One character from standard input, without echo when it is a terminal;
 * EOF (-1) when input is closed. */
WINBASEAPI int _getch(void);
WINBASEAPI int _getche(void);
WINBASEAPI int _kbhit(void);
#define getch _getch
#define getche _getche
#define kbhit _kbhit
#ifdef __cplusplus
}
#endif
#endif
