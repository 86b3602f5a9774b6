// Lists the kv store's nodes announced in Keeper, with their addresses:
//
//   kv-nodes --keeper 127.0.0.1:2281,127.0.0.1:2282
//
// It uses only troupe::keeper_client's blocking API: plain C++, no actors.
#include <cstring>
#include <iostream>

#include "troupe/keeper/client.hpp"
#include "troupe/keeper/recipes/membership.hpp"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--keeper") != 0) {
    std::cerr << "usage: kv-nodes --keeper HOST:PORT,...\n";
    return 2;
  }
  try {
    troupe::keeper::client keeper{argv[2]};
    troupe::keeper::recipes::group_membership nodes{keeper, "/kv/nodes"};
    for (auto& name : nodes.members())
      std::cout << name << " " << nodes.data(name).value_or("?") << "\n";
    return 0;
  } catch (const troupe::keeper::keeper_error& e) {
    std::cerr << "kv-nodes: " << e.what() << "\n";
    return 1;
  }
}
