// Snapshot files in a directory: written to a temporary name, fsynced,
// renamed, the directory fsynced.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "troupe/persistence/snapshot_store.hpp"

namespace troupe::persistence {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_failed(const std::string& what, const std::string& path, int err) {
  throw storage_error("cannot " + what + " snapshot file " + path + ": " + std::strerror(err));
}

void write_all(int fd, const char* p, size_t n, off_t at, const std::string& path) {
  while (n > 0) {
    auto w = ::pwrite(fd, p, n, at);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      io_failed("write", path, errno);
    p += w;
    n -= static_cast<size_t>(w);
    at += w;
  }
}

void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    io_failed("open", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    io_failed("fsync", path, err);
}

class dir_writer final : public snapshot_writer {
public:
  dir_writer(std::string dir, std::string name, wire::SnapshotMeta meta)
    : dir_(std::move(dir)), name_(std::move(name)), temp_(dir_ + "/" + name_ + ".tmp"),
      meta_(std::move(meta)) {
    fd_ = ::open(temp_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd_ < 0)
      io_failed("create", temp_, errno);
    // The real header is written at commit: until then the file cannot
    // pass for a snapshot.
    std::string zeros(snapshot_header_size, '\0');
    write_all(fd_, zeros.data(), zeros.size(), 0, temp_);
    end_ = static_cast<off_t>(zeros.size());
  }

  ~dir_writer() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }

  void append(std::string_view bytes) override {
    write_all(fd_, bytes.data(), bytes.size(), end_, temp_);
    end_ += static_cast<off_t>(bytes.size());
    count(bytes);
  }

  wire::SnapshotFile commit() override;

private:
  std::string dir_;
  std::string name_;
  std::string temp_;
  wire::SnapshotMeta meta_;
  int fd_ = -1;
  off_t end_ = 0;
};

class snapshot_dir final : public snapshot_store {
public:
  explicit snapshot_dir(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    fs::create_directories(path_, ec);
    if (ec)
      throw storage_error("cannot create snapshot directory " + path_ + ": " + ec.message());
    if (!fs::is_directory(path_, ec))
      throw storage_error("snapshot directory " + path_ + " is not a directory");
    if (::access(path_.c_str(), R_OK | W_OK | X_OK) != 0)
      throw storage_error("snapshot directory " + path_ + " is not writable: " + std::strerror(errno));
    resume_sequence();
  }

  std::unique_ptr<snapshot_writer> create(const wire::SnapshotMeta& meta) override {
    return std::make_unique<dir_writer>(path_, next_name(meta), meta);
  }

  void remove(const std::string& name) override {
    auto p = path_ + "/" + name;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      io_failed("remove", p, errno);
  }

  std::vector<std::string> list() const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it{path_, ec}, end; !ec && it != end; it.increment(ec))
      out.push_back(it->path().filename().string());
    if (ec)
      throw storage_error("cannot list snapshot directory " + path_ + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string describe(const std::string& name) const override { return path_ + "/" + name; }

protected:
  std::string read_raw(const std::string& name, uint64_t offset, size_t max) const override {
    auto p = describe(name);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT)
        throw storage_error("snapshot file " + p + " is missing");
      io_failed("open", p, errno);
    }
    std::string out(max, '\0');
    size_t got = 0;
    while (got < max) {
      auto r = ::pread(fd, out.data() + got, max - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0) {
        int err = errno;
        ::close(fd);
        io_failed("read", p, err);
      }
      if (r == 0)
        break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    out.resize(got);
    return out;
  }

  int64_t raw_size(const std::string& name) const override {
    std::error_code ec;
    auto n = fs::file_size(describe(name), ec);
    return ec ? -1 : static_cast<int64_t>(n);
  }

private:
  std::string path_;
};

wire::SnapshotFile dir_writer::commit() {
  auto h = snapshot_header(meta_, size(), crc());
  write_all(fd_, h.data(), h.size(), 0, temp_);
  if (::fsync(fd_) != 0)
    io_failed("fsync", temp_, errno);
  ::close(fd_);
  fd_ = -1;
  auto final_path = dir_ + "/" + name_;
  if (::rename(temp_.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_.c_str());
    io_failed("rename", temp_, err);
  }
  fsync_path(dir_, O_RDONLY | O_DIRECTORY);
  wire::SnapshotFile f;
  f.set_name(name_);
  f.set_size(size());
  f.set_crc32(crc());
  return f;
}

} // namespace

std::unique_ptr<snapshot_store> open_snapshot_dir(const std::string& path) {
  return std::make_unique<snapshot_dir>(path);
}

} // namespace troupe::persistence
