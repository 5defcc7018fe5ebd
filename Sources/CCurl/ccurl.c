#define _GNU_SOURCE
#include "ccurl.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_once_t ccurl_init_once = PTHREAD_ONCE_INIT;
static CURLcode ccurl_init_result = CURLE_FAILED_INIT;

static void ccurl_do_global_init(void) {
    ccurl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode ccurl_global_init_once(void) {
    pthread_once(&ccurl_init_once, ccurl_do_global_init);
    return ccurl_init_result;
}

CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}

CURLcode ccurl_easy_getinfo_off_t(CURL *easy, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(easy, info, value);
}

CURLcode ccurl_easy_getinfo_private(CURL *easy, void **value) {
    char *pointer = NULL;
    CURLcode code = curl_easy_getinfo(easy, CURLINFO_PRIVATE, &pointer);
    *value = pointer;
    return code;
}

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

int ccurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

/* Keeps the first `capacity` bytes and swallows the rest: returning less than size*nmemb would abort the transfer,
 * and a health probe should judge a large response, not fail on it. */
static size_t ccurl_capture_write(char *data, size_t size, size_t nmemb, void *userdata) {
    ccurl_capture *capture = userdata;
    size_t bytes = size * nmemb;
    capture->received += bytes;
    if (capture->length < capture->capacity) {
        size_t room = capture->capacity - capture->length;
        size_t take = bytes < room ? bytes : room;
        memcpy(capture->body + capture->length, data, take);
        capture->length += take;
    }
    return bytes;
}

ccurl_capture *ccurl_capture_create(size_t capacity) {
    ccurl_capture *capture = calloc(1, sizeof(ccurl_capture));
    if (capture == NULL) return NULL;
    if (capacity > 0) {
        capture->body = malloc(capacity);
        if (capture->body == NULL) {
            free(capture);
            return NULL;
        }
    }
    capture->capacity = capacity;
    return capture;
}

void ccurl_capture_reset(ccurl_capture *capture) {
    capture->length = 0;
    capture->received = 0;
    capture->error[0] = '\0';
}

void ccurl_capture_destroy(ccurl_capture *capture) {
    if (capture == NULL) return;
    free(capture->body);
    free(capture);
}

CURLcode ccurl_easy_attach_capture(CURL *easy, ccurl_capture *capture) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, ccurl_capture_write);
    if (code != CURLE_OK) return code;
    code = curl_easy_setopt(easy, CURLOPT_WRITEDATA, capture);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, capture->error);
}

int ccurl_capture_contains(const ccurl_capture *capture, const char *needle, size_t length) {
    if (length == 0) return 1;
    if (capture->length < length) return 0;
    return memmem(capture->body, capture->length, needle, length) != NULL;
}

int ccurl_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int ccurl_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
