// Anchor translation unit for the shared CAF precompiled header (see
// cmake/TroupeDependencies.cmake). Intentionally empty.
