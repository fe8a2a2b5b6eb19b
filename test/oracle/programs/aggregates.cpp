// Aggregates of codec-able fields, encoded field by field without any code from their author:
// as locals, parameters, results and container elements.
#include "../oracle.hpp"

#include <array>
#include <map>
#include <string>
#include <vector>

struct Point {
  int x, y;
};

struct City {
  std::string name;
  Point where;
  std::vector<int> roads;
};

struct Tour {
  std::vector<int> order;
  double cost;
  std::array<int, 3> best3;
  std::map<int, City> cities;
};

[[ppp2p::checkpointable]] City grow(City city, int by) {
  for (int i = 0; i < by; ++i) {
    city.roads.push_back(i + city.where.x);
    ppp2p::checkpoint();
  }
  city.name += "+";
  return city;
}

[[ppp2p::checkpointable]] Tour root(int n) {
  Tour tour{{}, 0.0, {0, 0, 0}, {}};
  std::vector<City> cities;
  Point cursor{1, 2};
  for (int i = 0; i < n; ++i) {
    cursor = Point{cursor.y, cursor.x + i};
    City c = grow(City{"c" + std::to_string(i), cursor, {}}, i % 3);
    cities.push_back(c);
    tour.order.push_back(i * 5 % n);
    tour.cost += cursor.x * 0.5;
    tour.best3[i % 3] = c.where.y;
    ppp2p::checkpoint();
  }
  for (auto& c : cities)
    tour.cities[c.where.x] = c;
  return tour;
}

PPP2P_ORACLE_MAIN(root, 6)
