// A small SVG line chart in the style of the paper's Figure 4: speedup against problem size,
// one solid line per setup and its maximum speedup dashed in the same colour.
#pragma once

#include <string>
#include <vector>

namespace fig4 {

struct Series {
  std::string label;
  std::vector<double> speedup;     // per problem size
  std::vector<double> max_speedup; // per problem size
};

/// The chart as an SVG document.
std::string speedup_chart(const std::string& title, const std::vector<int>& sizes,
                          const std::vector<Series>& series);

} // namespace fig4
