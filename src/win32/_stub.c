/* removed when the win32 branch lands */
typedef int shmap_win32_stub_t;
