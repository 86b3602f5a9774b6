// Node configuration from the command line: flags, a config file (INI style,
// `key = value`, same names as the long flags) and TROUPE_* environment
// variables (TROUPE_DATA_DIR for --data-dir). Precedence: flags, then the
// environment, then the file. Every subcommand builds its options from these
// pieces so that --help, errors and names are uniform.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include "troupe/runtime/node_config.hpp"

namespace troupe::runtime {

namespace po = boost::program_options;

/// Options every node-running subcommand shares (--node, --port, --peer, ...).
po::options_description node_options();
/// --scheduler, --threads, --middleman-workers.
po::options_description tuning_options();
/// --log-level.
po::options_description logging_options();
/// --tls-cert, --tls-key, --tls-ca (daemons and clients alike).
po::options_description tls_options();

/// Parses argv (after the subcommand) against `desc` plus --help and
/// --config, then TROUPE_* variables, then the config file. Returns false if
/// --help was given (the caller prints usage). Throws config_error.
bool parse_options(int argc, const char* const* argv,
                   const po::options_description& desc, po::variables_map& vm);

/// Reads the node_options/tuning/logging values out of a parsed map,
/// validating them (name present and well-formed, port range, peers unique,
/// durations positive, heartbeat timeout above the interval).
node_config read_node_config(const po::variables_map& vm);
runtime_tuning read_tuning(const po::variables_map& vm);
log::level read_log_level(const po::variables_map& vm);
/// The --tls-* files, validated (validate_tls_files); none set: plaintext.
tls_files read_tls_files(const po::variables_map& vm);

} // namespace troupe::runtime
