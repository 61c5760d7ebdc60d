// Point/vector math: temporaries built in a hot loop and handed to small
// functions that read them. Results that are returned are new objects.
struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

struct Ray {
    origin: Vec3,
    dir: Vec3,
}

fn dot(a: &Vec3, b: &Vec3) -> f64 {
    a.x * b.x + a.y * b.y + a.z * b.z
}

fn length_squared(a: &Vec3) -> f64 {
    dot(a, a)
}

fn hits_sphere(ray: &Ray, center: &Vec3, radius: f64) -> bool {
    let oc = Vec3 { x: ray.origin.x - center.x, y: ray.origin.y - center.y, z: ray.origin.z - center.z };
    let a = length_squared(&ray.dir);
    let b = 2.0 * dot(&oc, &ray.dir);
    let c = length_squared(&oc) - radius * radius;
    b * b - 4.0 * a * c > 0.0
}

fn main() {
    let center = Vec3 { x: 0.0, y: 0.0, z: -1.0 };
    let mut hits = 0i64;
    let mut energy = 0.0;
    let size = std::hint::black_box(700i64);
    for j in 0..size {
        for i in 0..size {
            let u = i as f64 / size as f64;
            let v = j as f64 / size as f64;
            let origin = Vec3 { x: 0.0, y: 0.0, z: 0.0 };
            let dir = Vec3 { x: u * 4.0 - 2.0, y: v * 2.0 - 1.0, z: -1.0 };
            let ray = Ray { origin, dir };
            if hits_sphere(&ray, &center, 0.5) {
                hits += 1;
            }
            let tint = Vec3 { x: u, y: v, z: 0.25 };
            energy += dot(&tint, &ray.dir);
        }
    }
    println!("hits {hits}");
    println!("energy {}", energy as i64);
}
