// A daemon's data directory: created if missing, checked for access, and
// locked so that two processes never share one.
#pragma once

#include <string>

#include "troupe/persistence/kv_store.hpp" // storage_error

namespace troupe::persistence {

class data_dir {
public:
  /// Opens `path`: creates it (and parents) if missing, checks that it is a
  /// readable and writable directory, and takes an exclusive lock on
  /// `path/LOCK` (flock). Throws storage_error with a one-line reason
  /// ("data directory /x is not writable", "... is locked by another
  /// process", ...).
  explicit data_dir(std::string path);
  ~data_dir();
  data_dir(const data_dir&) = delete;
  data_dir& operator=(const data_dir&) = delete;

  const std::string& path() const { return path_; }
  /// path()/name
  std::string sub(const std::string& name) const;

private:
  std::string path_;
  int lock_fd_ = -1;
};

} // namespace troupe::persistence
