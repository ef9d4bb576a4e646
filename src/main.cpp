// crema: the command line. Replaced by the full CLI (serve, migrate, create-admin) shortly.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"crema: the café and bakery backend"};
  CLI11_PARSE(app, argc, argv);
  return 0;
}
