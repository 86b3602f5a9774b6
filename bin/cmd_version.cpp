#include <iostream>

#include <caf/config.hpp>
#include <google/protobuf/stubs/common.h>

#include "commands.hpp"
#include "troupe/runtime/config.hpp"

namespace troupe::cli {

int version(int argc, const char* const* argv) {
  runtime::po::variables_map vm;
  if (!runtime::parse_options(argc, argv, runtime::po::options_description{"version"}, vm)) {
    std::cout << "usage: troupe version\n\nPrints troupe's version and those of its libraries.\n";
    return 0;
  }
  std::cout << "troupe " << TROUPE_VERSION << " (CAF " << CAF_VERSION / 10000 << "."
            << CAF_VERSION / 100 % 100 << "." << CAF_VERSION % 100 << ", protobuf "
            << google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION) << ")\n";
  return 0;
}

} // namespace troupe::cli
