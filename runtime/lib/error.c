#include <errno.h>
#include <string.h>

#include "lib.h"

int berr_set(struct berr *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int berr_sys(struct berr *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	err->code = saved;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int berr_prefix(struct berr *err, const char *fmt, ...)
{
	char joined[2 * sizeof(err->msg) + 2];
	va_list ap;
	int n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(joined, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	snprintf(joined + n, sizeof(joined) - (size_t)n, ": %s", err->msg);
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, joined);
	return -1;
}

void berr_clear(struct berr *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
