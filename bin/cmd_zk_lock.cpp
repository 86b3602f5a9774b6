// `troupe zk lock`: hold a Keeper lock around a command (or until stopped).
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

#include "recipes_cli.hpp"
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/lock.hpp"
#include "zk_interrupt.hpp"

namespace troupe::cli {

int run_lock(keeper::client& c, zk_interrupt& interrupt, const std::string& path,
             const std::vector<std::string>& command) {
  keeper::recipes::lock lk{c, path};
  lk.acquire();
  std::cout << "locked " << lk.node() << std::endl;
  int status = 0;
  if (command.empty()) {
    interrupt.wait();
  } else {
    std::vector<char*> argv;
    for (auto& a : command)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    auto pid = ::fork();
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      pthread_sigmask(SIG_SETMASK, &none, nullptr);
      ::execvp(argv[0], argv.data());
      std::perror(argv[0]);
      ::_exit(127);
    }
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  }
  lk.release();
  std::cout << "released " << path << std::endl;
  return status;
}

} // namespace troupe::cli
