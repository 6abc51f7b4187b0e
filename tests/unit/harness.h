/* A tiny unit test harness: CHECK records a failure and carries on;
 * TEST_MAIN runs every test and ends with "N passed, N failed". */
#ifndef BERTH_TEST_HARNESS_H
#define BERTH_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failed_checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                              \
			harness_failed_checks++;                                     \
		}                                                                    \
	} while (0)

#define CHECK_STR(a, b)                                                              \
	do {                                                                         \
		const char *a_ = (a), *b_ = (b);                                     \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                             \
			fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
			harness_failed_checks++;                                     \
		}                                                                    \
	} while (0)

struct harness_test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define T(name) { #name, name }

static inline int harness_run(const struct harness_test *tests, size_t n)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		int before = harness_failed_checks;

		tests[i].fn();
		if (harness_failed_checks == before) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                               \
	int main(void)                                                               \
	{                                                                            \
		static const struct harness_test tests_[] = { __VA_ARGS__ };         \
		return harness_run(tests_, sizeof(tests_) / sizeof(tests_[0]));      \
	}

#endif
