// Runs one node of the greeter example as its own process:
//
//   greeter --node b --port 4002 --data-dir /tmp/b --role greeter
//   greeter --node a --port 4001 --data-dir /tmp/a --role caller
//           --peer b=127.0.0.1:4002 --target b
#include <iostream>

#include "greeter_roles.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/node.hpp"
#include "troupe/runtime/signals.hpp"

int main(int argc, char** argv) {
  namespace po = troupe::runtime::po;
  troupe::runtime::block_termination_signals();
  po::options_description example("Greeter example");
  example.add_options()
    ("role", po::value<std::string>()->default_value("greeter"), "greeter or caller")
    ("target", po::value<std::string>(), "caller: the node running the greeter")
    ("interval", po::value<std::string>()->default_value("500ms"), "caller: time between greetings");
  po::options_description desc;
  desc.add(troupe::runtime::node_options()).add(example).add(troupe::runtime::logging_options());
  try {
    po::variables_map vm;
    if (!troupe::runtime::parse_options(argc, argv, desc, vm)) {
      std::cout << "usage: greeter --node NAME --role greeter|caller [options]\n\n" << desc << "\n";
      return 0;
    }
    auto cfg = troupe::runtime::read_node_config(vm);
    auto role = vm["role"].as<std::string>();
    if (role != "greeter" && role != "caller")
      throw troupe::runtime::config_error("--role must be greeter or caller");
    if (role == "caller" && !vm.count("target"))
      throw troupe::runtime::config_error("a caller needs --target NODE");
    if (cfg.data_dir.empty())
      throw troupe::runtime::config_error("missing --data-dir (the roles persist counters)");
    troupe::runtime::node node{cfg, greeter::register_types};
    if (role == "greeter")
      greeter::spawn_greeter(node);
    else
      greeter::spawn_caller(node, vm["target"].as<std::string>(),
                            troupe::runtime::parse_duration(vm["interval"].as<std::string>()));
    std::cout << "listening " << cfg.host << ":" << node.port() << std::endl;
    troupe::runtime::wait_for_termination_signal();
    return 0;
  } catch (const troupe::runtime::config_error& e) {
    std::cerr << "greeter: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "greeter: error: " << e.what() << "\n";
    return 1;
  }
}
