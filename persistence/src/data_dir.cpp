// Data directories: created on demand, checked, and locked with flock so that
// two daemons never share one.
#include "troupe/persistence/data_dir.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace troupe::persistence {

namespace fs = std::filesystem;

namespace {

std::string strip_trailing_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  return p;
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw storage_error("data directory " + path + " " + what + ": "
                      + std::strerror(err));
}

} // namespace

data_dir::data_dir(std::string path) : path_(strip_trailing_slashes(std::move(path))) {
  if (path_.empty())
    throw storage_error("data directory path is empty");
  std::error_code ec;
  auto not_a_directory = [&] {
    return storage_error("data directory " + path_ + " is not a directory");
  };
  if (fs::exists(path_, ec) && !fs::is_directory(path_, ec))
    throw not_a_directory();
  fs::create_directories(path_, ec);
  if (ec)
    throw storage_error("cannot create data directory " + path_ + ": " + ec.message());
  if (!fs::is_directory(path_, ec))
    throw not_a_directory();
  if (::access(path_.c_str(), R_OK | X_OK) != 0)
    fail(path_, "is not readable", errno);
  if (::access(path_.c_str(), W_OK) != 0)
    fail(path_, "is not writable", errno);
  auto lock_path = sub("LOCK");
  int fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    throw storage_error("cannot open lock file " + lock_path + ": "
                        + std::strerror(errno));
  // flock locks belong to the open file description, so a second data_dir on
  // the same path conflicts even inside one process.
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw storage_error("data directory " + path_
                          + " is locked by another process");
    fail(path_, "cannot be locked", err);
  }
  lock_fd_ = fd;
}

data_dir::~data_dir() {
  if (lock_fd_ >= 0) {
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
  }
}

std::string data_dir::sub(const std::string& name) const {
  return path_ + "/" + name;
}

} // namespace troupe::persistence
