# How troupe's libraries become an installable CMake package:
#   cmake --install build --prefix P
# installs headers, static libraries and lib/cmake/troupe/troupeConfig.cmake;
# find_package(troupe 0.1 REQUIRED) then gives troupe::<name> targets whose
# dependencies (CAF, protobuf, LevelDB, Boost) are found transitively.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TROUPE_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/troupe)

# troupe_public_headers(target dir): `dir` holds the target's public headers
# (troupe/...); used from the source tree, installed under include/.
function(troupe_public_headers target dir)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${dir}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# troupe_export(target name): installs `target` as troupe::name (and gives the
# build tree the same alias, so in-tree code and users spell it alike).
function(troupe_export target name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  add_library(troupe::${name} ALIAS ${target})
  install(TARGETS ${target} EXPORT troupeTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

# Called once every exported target is defined (top-level CMakeLists.txt).
function(troupe_install_package)
  install(EXPORT troupeTargets NAMESPACE troupe:: DESTINATION ${TROUPE_CMAKE_INSTALL_DIR}
    FILE troupeTargets.cmake)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/troupeConfig.cmake.in
    ${PROJECT_BINARY_DIR}/troupeConfig.cmake INSTALL_DESTINATION ${TROUPE_CMAKE_INSTALL_DIR})
  # 0.x: a minor version may change the API, so only the same minor matches.
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/troupeConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/troupeConfig.cmake ${PROJECT_BINARY_DIR}/troupeConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/TroupeFindCAF.cmake ${PROJECT_SOURCE_DIR}/cmake/TroupeFindHttplib.cmake DESTINATION ${TROUPE_CMAKE_INSTALL_DIR})
endfunction()
