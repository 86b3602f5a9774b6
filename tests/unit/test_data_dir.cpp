// data_dir: creation, access checks and the exclusive flock.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "troupe/persistence/data_dir.hpp"

using namespace troupe::persistence;
namespace fs = std::filesystem;

namespace {

using scratch_dir = troupe::test::temp_dir;

std::string error_of(const std::string& path) {
  try {
    data_dir d{path};
  } catch (const storage_error& e) {
    return e.what();
  }
  return {};
}

} // namespace

TEST(DataDir, CreatesDirectoryWithParentsAndLockFile) {
  scratch_dir tmp;
  auto path = tmp.sub("a/b/data");
  data_dir d{path};
  EXPECT_EQ(d.path(), path);
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_TRUE(fs::exists(path + "/LOCK"));
  EXPECT_EQ(d.sub("store"), path + "/store");
}

TEST(DataDir, TrailingSlashIsIgnored) {
  scratch_dir tmp;
  data_dir d{tmp.sub("data/")};
  EXPECT_EQ(d.sub("x"), tmp.sub("data/x"));
}

TEST(DataDir, SecondInstanceInSameProcessIsLocked) {
  scratch_dir tmp;
  auto path = tmp.sub("data");
  {
    data_dir first{path};
    auto msg = error_of(path);
    EXPECT_EQ(msg, "data directory " + path + " is locked by another process");
  }
  // The destructor released the lock.
  EXPECT_EQ(error_of(path), "");
}

TEST(DataDir, LockedByAnotherProcess) {
  scratch_dir tmp;
  auto path = tmp.sub("data");
  fs::create_directory(path);
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: raw syscalls only, as another daemon holding the directory.
    ::close(ready[0]);
    ::close(release[1]);
    int fd = ::open((path + "/LOCK").c_str(), O_CREAT | O_RDWR, 0644);
    char ok = (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) ? 'y' : 'n';
    (void) !::write(ready[1], &ok, 1);
    char c;
    (void) !::read(release[0], &c, 1); // returns when the parent closes it
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  EXPECT_EQ(ok, 'y');
  EXPECT_EQ(error_of(path), "data directory " + path + " is locked by another process");
  ::close(release[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(ready[0]);
  EXPECT_EQ(error_of(path), ""); // the lock died with the child
}

TEST(DataDir, RegularFileIsRejected) {
  scratch_dir tmp;
  auto path = tmp.sub("file");
  std::ofstream{path} << "x";
  auto msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a directory"), std::string::npos) << msg;
  msg = error_of(path + "/data");
  EXPECT_NE(msg.find(path + "/data"), std::string::npos) << msg;
}

TEST(DataDir, UnwritableDirectoryIsRejected) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root bypasses permission checks";
  scratch_dir tmp;
  auto path = tmp.sub("data");
  fs::create_directory(path);
  ::chmod(path.c_str(), 0500);
  auto msg = error_of(path);
  EXPECT_NE(msg.find("data directory " + path + " is not writable"), std::string::npos)
    << msg;
  ::chmod(path.c_str(), 0700);
}

TEST(DataDir, UncreatableDirectoryIsRejected) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root bypasses permission checks";
  scratch_dir tmp;
  auto parent = tmp.sub("ro");
  fs::create_directory(parent);
  ::chmod(parent.c_str(), 0500);
  auto msg = error_of(parent + "/data");
  EXPECT_NE(msg.find(parent + "/data"), std::string::npos) << msg;
  ::chmod(parent.c_str(), 0700);
}
