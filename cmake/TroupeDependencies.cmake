# Finds troupe's Debian-packaged dependencies and makes imported targets for
# the ones that ship no CMake package (CAF 0.17.6).

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(caf::core UNKNOWN IMPORTED)
set_target_properties(caf::core PROPERTIES
  IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})
add_library(caf::io UNKNOWN IMPORTED)
set_target_properties(caf::io PROPERTIES
  IMPORTED_LOCATION ${CAF_IO_LIBRARY}
  INTERFACE_LINK_LIBRARIES caf::core)
# TLS between nodes (libcaf_openssl) and certificate handling (OpenSSL's C API).
find_package(OpenSSL REQUIRED)
find_library(CAF_OPENSSL_LIBRARY caf_openssl REQUIRED)
add_library(caf::openssl UNKNOWN IMPORTED)
set_target_properties(caf::openssl PROPERTIES
  IMPORTED_LOCATION ${CAF_OPENSSL_LIBRARY}
  INTERFACE_LINK_LIBRARIES "caf::io;OpenSSL::SSL")

find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(leveldb REQUIRED)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
# Debian builds cpp-httplib as a shared library with OpenSSL, zlib and brotli
# support and ships only a pkg-config file: its Cflags (-DCPPHTTPLIB_*_SUPPORT)
# must reach every user, or the classes' layout differs from the library's.
find_package(httplib CONFIG QUIET)
if(NOT TARGET httplib::httplib)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
  add_library(httplib::httplib ALIAS PkgConfig::CPP_HTTPLIB)
endif()
if(TROUPE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# One precompiled header with CAF's heavy includes, shared by every target that
# compiles CAF code (REUSE_FROM): it cuts a CAF translation unit by about a third.
add_library(troupe_caf_pch STATIC ${CMAKE_CURRENT_LIST_DIR}/caf_pch.cpp)
target_link_libraries(troupe_caf_pch PUBLIC caf::io Threads::Threads)
target_precompile_headers(troupe_caf_pch PRIVATE
  <caf/all.hpp> <caf/io/all.hpp> <string> <vector> <map> <memory> <functional>)

# troupe_use_caf_pch(target): compile `target` with the shared CAF header.
function(troupe_use_caf_pch target)
  target_precompile_headers(${target} REUSE_FROM troupe_caf_pch)
endfunction()
