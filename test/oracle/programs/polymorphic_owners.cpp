// Objects of derived classes owned through smart pointers to their polymorphic base, as people
// build heterogeneous collections: a vector<unique_ptr<Shape>> of circles, rectangles and
// polygons with private state, a shared_ptr<Shape>, a unique_ptr to a second base (a pointer
// adjusted into the object), a class holding such a vector, and virtual calls on all of them
// after every resume, and a class defined inside a function template. Each object moves as its
// dynamic class (polymorphic_owners.hpp).
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

class Shape {
public:
  virtual ~Shape() = default;
  virtual long area() const = 0;
  virtual void scale(long factor) = 0;
  virtual std::string name() const = 0;
};

class Circle : public Shape {
public:
  explicit Circle(long radius) : radius_(radius) {}
  long area() const override { return 3 * radius_ * radius_; }
  void scale(long factor) override { radius_ *= factor; }
  std::string name() const override { return "circle"; }

private:
  long radius_;
};

class Rectangle : public Shape {
public:
  Rectangle(long width, long height) : width_(width), height_(height) {}
  long area() const override { return width_ * height_; }
  void scale(long factor) override {
    width_ *= factor;
    height_ += factor;
  }
  std::string name() const override { return "rectangle"; }

protected:
  long width_, height_;
};

class Square final : public Rectangle { // two levels down
public:
  explicit Square(long side) : Rectangle(side, side) {}
  std::string name() const override { return "square"; }
};

class Polygon : public Shape {
public:
  explicit Polygon(std::vector<long> sides) : sides_(std::move(sides)) {}
  long area() const override {
    long sum = 0;
    for (long side : sides_)
      sum += side;
    return sum * long(sides_.size());
  }
  void scale(long factor) override { sides_.push_back(factor); }
  std::string name() const override { return "polygon of " + std::to_string(sides_.size()); }

private:
  std::vector<long> sides_;
};

class Tagged {
public:
  virtual ~Tagged() = default;
  virtual std::string tag() const = 0;
};

class Label : public Shape, public Tagged { // owned as its second base
public:
  explicit Label(std::string text) : text_(std::move(text)) {}
  long area() const override { return long(text_.size()); }
  void scale(long factor) override { text_ += std::string(std::size_t(factor), '+'); }
  std::string name() const override { return "label"; }
  std::string tag() const override { return "#" + text_; }

private:
  std::string text_;
};

class Drawing { // holds the collection: moved as a class field by field
public:
  void add(std::unique_ptr<Shape> shape) { shapes_.push_back(std::move(shape)); }
  long total() const {
    long sum = 0;
    for (const auto& shape : shapes_)
      sum += shape->area() + long(shape->name().size());
    return sum;
  }
  void scale_all(long factor) {
    for (auto& shape : shapes_)
      shape->scale(factor);
  }

private:
  std::vector<std::unique_ptr<Shape>> shapes_;
};

// A shape defined where it is used: a local class, registered like the others.
template <class Unit> [[ppp2p::checkpointable]] long with_local_shape(long side) {
  class Triangle : public Shape {
  public:
    explicit Triangle(long base) : base_(base) {}
    long area() const override { return base_ * base_ / 2 * Unit::factor; }
    void scale(long factor) override { base_ *= factor; }
    std::string name() const override { return "triangle"; }

  private:
    long base_;
  };
  std::unique_ptr<Shape> shape = std::make_unique<Triangle>(side);
  ppp2p::checkpoint();
  shape->scale(3);
  ppp2p::checkpoint();
  return shape->area() + long(shape->name().size());
}

struct Metres {
  static constexpr long factor = 1;
};

[[ppp2p::checkpointable]] long run(int n) {
  std::vector<std::unique_ptr<Shape>> shapes;
  Drawing drawing;
  std::shared_ptr<Shape> favourite = std::make_shared<Polygon>(std::vector<long>{3, 4, 5});
  std::unique_ptr<Tagged> tag = std::make_unique<Label>("origin");
  long total = 0;
  for (int i = 0; i < n; ++i) {
    switch (i % 4) {
    case 0:
      shapes.push_back(std::make_unique<Circle>(i + 1));
      break;
    case 1:
      shapes.push_back(std::make_unique<Rectangle>(i, i + 2));
      break;
    case 2:
      shapes.push_back(std::make_unique<Square>(i));
      break;
    default:
      shapes.push_back(std::make_unique<Polygon>(std::vector<long>(std::size_t(i), i)));
    }
    drawing.add(std::make_unique<Label>("l" + std::to_string(i)));
    ppp2p::checkpoint();
    for (auto& shape : shapes)
      shape->scale(2);
    favourite->scale(i);
    total += shapes.back()->area() + long(shapes.back()->name().size()) + favourite->area();
  }
  drawing.scale_all(3);
  ppp2p::checkpoint();
  total += drawing.total() + long(tag->tag().size()) + with_local_shape<Metres>(n);
  return total % 1000000007;
}

PPP2P_ORACLE_MAIN(run, 9)
