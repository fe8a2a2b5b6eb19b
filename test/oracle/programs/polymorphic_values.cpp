// Classes with virtual functions held by value, as people hold them: an abstract base's derived
// classes as locals, in a vector, an optional, a map and a unique_ptr to a final class; a
// class with two polymorphic bases (a second vtable pointer); virtual calls through a base
// reference kept across sites. Each vtable pointer moves as its place in the program's
// read-only memory and is checked against the class on load.
#include "../oracle.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class Shape {
public:
  virtual ~Shape() = default;
  virtual long area() const = 0;
  virtual std::string name() const { return "shape"; }
};

class Square : public Shape {
public:
  explicit Square(long side) : side_(side) {}
  long area() const override { return side_ * side_; }
  std::string name() const override { return "square" + std::to_string(side_); }
  void grow() { ++side_; }

private:
  long side_;
};

class Circle final : public Shape {
public:
  Circle(long radius, std::string label) : radius_(radius), label_(std::move(label)) {}
  long area() const override { return 3 * radius_ * radius_; }
  std::string name() const override { return label_; }

private:
  long radius_;
  std::string label_;
};

class Named {
public:
  explicit Named(std::string name) : name_(std::move(name)) {}
  virtual ~Named() = default;
  virtual std::string describe() const { return name_; }

protected:
  std::string name_;
};

class Counted {
public:
  virtual ~Counted() = default;
  virtual long count() const { return hits_; }
  void hit() { ++hits_; }

private:
  long hits_ = 0;
};

class Sensor : public Named, public Counted { // two vtable pointers
public:
  explicit Sensor(std::string name) : Named(std::move(name)) {}
  std::string describe() const override { return "sensor " + name_; }
  long count() const override { return Counted::count() * 10; }
};

long measure(const Shape& shape, int scale) {
  return shape.area() * scale + long(shape.name().size());
}

[[ppp2p::checkpointable]] long run(int n) {
  Square square(2);
  Circle circle(3, "circle");
  const Shape& chosen = n % 2 ? static_cast<const Shape&>(square) : circle;
  std::vector<Square> squares;
  std::map<int, Square> by_id;
  std::optional<Circle> spare;
  auto owned = std::make_unique<Circle>(5, "owned circle");
  Sensor sensor("thermo");
  long total = 0;
  for (int i = 0; i < n; ++i) {
    squares.emplace_back(i + 1);
    by_id.emplace(i * 3, Square(i));
    square.grow();
    sensor.hit();
    if (i == n / 2)
      spare.emplace(i, "spare");
    ppp2p::checkpoint();
    total += measure(chosen, i) + measure(*owned, 1);
  }
  for (const Square& s : squares) {
    total += s.area();
    ppp2p::checkpoint();
  }
  const Counted& counted = sensor; // the second base's subobject
  ppp2p::checkpoint();
  total += counted.count() + long(sensor.describe().size()) + by_id.at(3).area();
  if (spare)
    total += measure(*spare, 7);
  return total;
}

PPP2P_ORACLE_MAIN(run, 9)
