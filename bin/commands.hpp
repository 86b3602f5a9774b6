// Subcommands of the `troupe` binary. Each gets argv starting at its own
// name and returns the process exit code: 0 success, 1 runtime failure,
// 2 bad usage (flags, config).
#pragma once

#include <string>

namespace troupe::cli {

using command_fn = int (*)(int argc, const char* const* argv);

int version(int argc, const char* const* argv);
int node(int argc, const char* const* argv);
int log(int argc, const char* const* argv);
int local(int argc, const char* const* argv);
int bench(int argc, const char* const* argv);
int keeper(int argc, const char* const* argv);
int zk(int argc, const char* const* argv);

/// Path of the running executable (to start child processes of itself).
std::string self_path();

} // namespace troupe::cli
