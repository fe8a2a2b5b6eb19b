#include "fig4.hpp"

#include <cstdio>
#include <fstream>

namespace fig4 {

Spread spread(std::vector<double> values) {
  if (values.empty())
    return {};
  std::sort(values.begin(), values.end());
  return {values[values.size() / 2], values.front(), values.back()};
}

std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

void print_efficiency_table(const std::vector<int>& sizes, const std::vector<unsigned>& setups,
                            const std::vector<std::vector<std::string>>& cells) {
  int width = 6;
  for (const auto& row : cells)
    for (const std::string& cell : row)
      width = std::max(width, int(cell.size()));
  std::printf("\nefficiency by problem size (goal at the largest: >= 99 / 98.5 / 98 %% for 2 / 3 "
              "/ 4 peers; the paper: 95.7 / 94.2 / 93.0 %%)\n\n| peers |");
  for (int size : sizes)
    std::printf(" %*d |", width, size);
  std::printf("\n|-------|");
  for (std::size_t i = 0; i < sizes.size(); ++i)
    std::printf("%s|", std::string(std::size_t(width) + 2, '-').c_str());
  for (std::size_t s = 0; s < setups.size(); ++s) {
    std::printf("\n| %5u |", setups[s]);
    for (const std::string& cell : cells[s])
      std::printf(" %*s |", width, cell.c_str());
  }
  std::printf("\n");
}

bool write_chart(const Options& o, const std::string& title, const std::vector<Series>& series) {
  if (o.svg.empty())
    return true;
  std::ofstream out(o.svg);
  out << speedup_chart(title, o.sizes, series);
  if (!out) {
    std::fprintf(stderr, "bench-fig4: cannot write %s\n", o.svg.c_str());
    return false;
  }
  std::printf("chart written to %s\n", o.svg.c_str());
  return true;
}

} // namespace fig4
