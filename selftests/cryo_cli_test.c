// SPDX-License-Identifier: GPL-2.0
/*
 * cryoctl: the commands of the foundation (version, check, help) and the
 * exit codes Documentation/cryoctl.rst promises.
 */
#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryoctl.h"

#define RUN(as_nobody, ...) ({						\
		const char *const __argv[] = { "cryoctl", __VA_ARGS__, NULL }; \
		cryo_run_cli(out, sizeof(out), as_nobody, __argv);	\
	})

FIXTURE(cli) {
	int unused;
};

FIXTURE_SETUP(cli)
{
	if (access(cryo_cryoctl_path(), X_OK))
		CRYO_SETUP_SKIP("cryoctl not found at %s", cryo_cryoctl_path());
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
}

FIXTURE_TEARDOWN(cli)
{
}

TEST_F(cli, check_passes)
{
	char out[4096];

	EXPECT_EQ(0, RUN(0, "check")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ok   module loaded"));
	EXPECT_NE(NULL, strstr(out, "ok   device accessible"));
	EXPECT_NE(NULL, strstr(out, "ok   ABI compatible"));
	EXPECT_NE(NULL, strstr(out, "cryo is ready"));
}

TEST_F(cli, check_as_nobody_says_permission)
{
	char out[4096];

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	EXPECT_EQ(4, RUN(1, "check")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "FAIL device accessible")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Permission denied")) TH_LOG("%s", out);
}

TEST_F(cli, check_wrong_device_is_nodev)
{
	char out[4096];

	/* Not a cryo device at all: the diagnosis must not say "ready". */
	setenv("CRYOCTL_DEVICE", "/dev/null", 1);
	EXPECT_EQ(1, RUN(0, "check")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "FAIL ABI compatible")) TH_LOG("%s", out);
	setenv("CRYOCTL_DEVICE", "/nonexistent/cryo", 1);
	EXPECT_EQ(3, RUN(0, "check")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "FAIL device present")) TH_LOG("%s", out);
	unsetenv("CRYOCTL_DEVICE");
}

TEST_F(cli, version_reports_all_three)
{
	char out[4096], want[128];

	EXPECT_EQ(0, RUN(0, "version")) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "libcryoctl %s (ABI %d.%d)",
		 cryoctl_library_version(), CRYO_ABI_MAJOR, CRYO_ABI_MINOR);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "module ABI %d.%d, features 0x%x (version,freeze,thaw,remap,netlink)",
		 CRYO_ABI_MAJOR, CRYO_ABI_MINOR, CRYO_FEATURE_ALL);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_EQ(0, RUN(0, "--version"));
}

TEST_F(cli, help_and_usage_errors)
{
	char out[4096];

	EXPECT_EQ(0, RUN(0, "--help"));
	EXPECT_NE(NULL, strstr(out, "Usage: cryoctl COMMAND"));
	EXPECT_EQ(0, RUN(0, "check", "--help"));
	EXPECT_NE(NULL, strstr(out, "Usage: cryoctl check"));
	EXPECT_EQ(0, RUN(0, "version", "-h"));
	EXPECT_NE(NULL, strstr(out, "Usage: cryoctl version"));

	EXPECT_EQ(2, RUN(0, "frobnicate"));
	EXPECT_NE(NULL, strstr(out, "unknown command 'frobnicate'"));
	EXPECT_EQ(2, RUN(0, "check", "--bogus"));
	EXPECT_NE(NULL, strstr(out, "unknown option '--bogus'"));
	EXPECT_EQ(2, RUN(0, "version", "extra"));
	{
		const char *const argv[] = { "cryoctl", NULL };

		EXPECT_EQ(2, cryo_run_cli(out, sizeof(out), 0, argv));
	}
}

TEST_HARNESS_MAIN
