# Finds troupe's Debian-packaged dependencies and makes imported targets for
# the ones that ship no CMake package (CAF 0.17.6).

include(${CMAKE_CURRENT_LIST_DIR}/TroupeFindCAF.cmake)

find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(leveldb REQUIRED)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3 REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/TroupeFindHttplib.cmake)
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
