#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace fig4 {
namespace {

std::string fmt(double v, int decimals = 1) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

} // namespace

std::string speedup_chart(const std::string& title, const std::vector<int>& sizes,
                          const std::vector<Series>& series) {
  const double width = 640, height = 420, left = 60, right = 170, top = 40, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double y_max = 1;
  for (const Series& s : series)
    for (double v : s.max_speedup)
      y_max = std::max(y_max, v);
  y_max = std::ceil(y_max * 1.1 * 2) / 2; // a half-step above the highest maximum
  auto x_of = [&](std::size_t i) {
    return left + (sizes.size() == 1 ? plot_w / 2 : plot_w * double(i) / double(sizes.size() - 1));
  };
  auto y_of = [&](double v) { return top + plot_h * (1 - v / y_max); };
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
      << title << "</text>\n";
  // Axes, grid and ticks.
  for (double v = 0; v <= y_max + 1e-9; v += 0.5) {
    double y = y_of(v);
    svg << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\""
        << y << "\" stroke=\"#ddd\"/>\n"
        << "<text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << fmt(v)
        << "</text>\n";
  }
  for (std::size_t i = 0; i < sizes.size(); ++i)
    svg << "<text x=\"" << x_of(i) << "\" y=\"" << top + plot_h + 18 << "\" text-anchor=\"middle\">"
        << sizes[i] << "</text>\n";
  svg << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\""
      << top + plot_h << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << left << "\" y1=\"" << top + plot_h << "\" x2=\"" << left + plot_w
      << "\" y2=\"" << top + plot_h << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 10
      << "\" text-anchor=\"middle\">problem size (cities)</text>\n"
      << "<text transform=\"translate(18," << top + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">speedup S_H</text>\n";
  // One solid line (measured) and one dashed (maximum) per setup.
  for (std::size_t k = 0; k < series.size(); ++k) {
    const char* colour = colours[k % 6];
    for (int dashed = 0; dashed < 2; ++dashed) {
      const std::vector<double>& values = dashed ? series[k].max_speedup : series[k].speedup;
      svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\""
          << (dashed ? " stroke-dasharray=\"6,4\"" : "") << " points=\"";
      for (std::size_t i = 0; i < values.size(); ++i)
        svg << x_of(i) << "," << y_of(values[i]) << " ";
      svg << "\"/>\n";
      if (!dashed)
        for (std::size_t i = 0; i < values.size(); ++i)
          svg << "<circle cx=\"" << x_of(i) << "\" cy=\"" << y_of(values[i]) << "\" r=\"3\" fill=\""
              << colour << "\"/>\n";
    }
    double y = top + 16 + 36 * double(k);
    double x = left + plot_w + 14;
    svg << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x + 24 << "\" y2=\"" << y
        << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n"
        << "<text x=\"" << x + 30 << "\" y=\"" << y + 4 << "\">" << series[k].label << "</text>\n"
        << "<line x1=\"" << x << "\" y1=\"" << y + 16 << "\" x2=\"" << x + 24 << "\" y2=\""
        << y + 16 << "\" stroke=\"" << colour
        << "\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"
        << "<text x=\"" << x + 30 << "\" y=\"" << y + 20 << "\">maximum</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

} // namespace fig4
