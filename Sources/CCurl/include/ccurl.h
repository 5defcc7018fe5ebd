/*
 * ccurl: a small C shim that lets Swift drive libcurl.
 *
 * Swift cannot call C variadic functions, and libcurl's option and info calls (curl_easy_setopt,
 * curl_easy_getinfo, curl_multi_setopt) are variadic. This header wraps the few shapes gameday needs in typed,
 * non-variadic functions, adds a bounded response capture (so a misbehaving server cannot make a health probe
 * buffer without limit), and gives the multi loop a few accessors that would otherwise need C unions or syscalls.
 *
 * Everything here is a thin pass-through: no global state except libcurl's own one-time initialisation.
 */
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Runs curl_global_init(CURL_GLOBAL_DEFAULT) exactly once per process, however many threads ask.
/// Returns the result of that first call (CURLE_OK on success).
CURLcode ccurl_global_init_once(void);

/* ---- Typed wrappers over the variadic option and info calls. ---- */

/// curl_easy_setopt for options taking a long (CURLOPTTYPE_LONG, CURLOPTTYPE_VALUES).
CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value);
/// curl_easy_setopt for options taking a C string; libcurl copies the string.
CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value);
/// curl_easy_setopt for options taking a curl_slist (e.g. CURLOPT_HTTPHEADER); the list must outlive the handle's use.
CURLcode ccurl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value);
/// curl_easy_setopt for options taking an opaque pointer (e.g. CURLOPT_PRIVATE).
CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value);

/// curl_easy_getinfo for CURLINFO_LONG values (e.g. CURLINFO_RESPONSE_CODE, CURLINFO_OS_ERRNO).
CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
/// curl_easy_getinfo for CURLINFO_OFF_T values (e.g. CURLINFO_TOTAL_TIME_T, in microseconds).
CURLcode ccurl_easy_getinfo_off_t(CURL *easy, CURLINFO info, curl_off_t *value);
/// curl_easy_getinfo(CURLINFO_PRIVATE): the pointer stored with CURLOPT_PRIVATE.
CURLcode ccurl_easy_getinfo_private(CURL *easy, void **value);

/// curl_multi_setopt for options taking a long (e.g. CURLMOPT_MAXCONNECTS).
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/* ---- The multi loop. ---- */

/// Reads the next completion message: returns 1 and fills `easy` and `result` when a transfer finished (CURLMSG_DONE),
/// 0 when there are no more messages. Saves Swift from reading CURLMsg's union.
int ccurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result);

/* ---- Bounded response capture. ---- */

/// Where one easy handle writes its response body and error text.
///
/// The body keeps at most `capacity` bytes (the rest is counted in `received` and dropped, so the transfer goes on
/// normally); with capacity 0 the body is discarded (libcurl would otherwise write it to stdout).
typedef struct ccurl_capture {
    char *body;
    size_t capacity;
    size_t length;
    /// Total body bytes received, including those dropped past `capacity`.
    size_t received;
    /// libcurl's CURLOPT_ERRORBUFFER: a human detail for the last failure, or "".
    char error[CURL_ERROR_SIZE];
} ccurl_capture;

/// Allocates a capture keeping at most `capacity` body bytes. Returns NULL when out of memory.
ccurl_capture *ccurl_capture_create(size_t capacity);
/// Forgets the previous transfer's body and error text (call before re-adding the handle).
void ccurl_capture_reset(ccurl_capture *capture);
/// Frees the capture. Detach it first (curl_easy_cleanup or curl_easy_reset of the handle it is attached to).
void ccurl_capture_destroy(ccurl_capture *capture);
/// Points the handle's CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA and CURLOPT_ERRORBUFFER at `capture`.
CURLcode ccurl_easy_attach_capture(CURL *easy, ccurl_capture *capture);
/// 1 if the captured body contains the `length` bytes at `needle` (an empty needle is always contained), else 0.
int ccurl_capture_contains(const ccurl_capture *capture, const char *needle, size_t length);

/* ---- Child processes for command checks, driven by the same poll loop. ---- */

/// pidfd_open(2): a descriptor that polls readable when the process `pid` exits, so the multi loop can wait for
/// children through curl_multi_poll's extra_fds. Returns -1 with errno set (ENOSYS before Linux 5.3).
int ccurl_pidfd_open(pid_t pid);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by children spawned meanwhile on other threads.
/// (Swift's Glibc module does not expose pipe2.) Returns 0, or -1 with errno set.
int ccurl_pipe_cloexec(int fds[2]);

#ifdef __cplusplus
}
#endif

#endif /* CCURL_H */
