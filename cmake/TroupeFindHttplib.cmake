# cpp-httplib as httplib::httplib (the operator HTTP endpoint, troupe::runtime).
# Debian builds it as a shared library with OpenSSL, zlib and brotli support
# and ships only a pkg-config file: its Cflags (-DCPPHTTPLIB_*_SUPPORT) must
# reach every user, or the classes' layout differs from the library's. Used by
# troupe's build and by the installed package config.
if(NOT TARGET httplib::httplib)
  find_package(httplib CONFIG QUIET)
endif()
if(NOT TARGET httplib::httplib)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
  add_library(httplib::httplib ALIAS PkgConfig::CPP_HTTPLIB)
endif()
