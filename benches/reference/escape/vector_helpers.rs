// Vector helpers that each return a new value: a few particles orbit a
// soft central attractor with a swirl and drag, integrated through add,
// sub, scale, cross and normalize.
#[derive(Clone, Copy)]
struct Vec3 {
    x: f64,
    y: f64,
    z: f64,
}

struct Particle {
    x: f64,
    y: f64,
    z: f64,
    vx: f64,
    vy: f64,
    vz: f64,
}

fn vec3(x: f64, y: f64, z: f64) -> Vec3 {
    Vec3 { x, y, z }
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    Vec3 { x: a.x + b.x, y: a.y + b.y, z: a.z + b.z }
}

fn sub(a: Vec3, b: Vec3) -> Vec3 {
    Vec3 { x: a.x - b.x, y: a.y - b.y, z: a.z - b.z }
}

fn scale(v: Vec3, k: f64) -> Vec3 {
    Vec3 { x: v.x * k, y: v.y * k, z: v.z * k }
}

fn dot(a: Vec3, b: Vec3) -> f64 {
    a.x * b.x + a.y * b.y + a.z * b.z
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    Vec3 { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x }
}

// Square root as in the Berth program: scale into [0.25, 4] by powers of
// four, then six Newton steps from (1 + m) / 2.
fn sqrt(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let mut m = x;
    let mut s = 1.0;
    while m > 4.0 {
        m *= 0.25;
        s *= 2.0;
    }
    while m < 0.25 {
        m *= 4.0;
        s *= 0.5;
    }
    let mut r = 0.5 * (1.0 + m);
    for _ in 0..6 {
        r = 0.5 * (r + m / r);
    }
    r * s
}

fn normalize(v: Vec3) -> Vec3 {
    scale(v, 1.0 / sqrt(dot(v, v)))
}

fn position(p: &Particle) -> Vec3 {
    Vec3 { x: p.x, y: p.y, z: p.z }
}

fn velocity(p: &Particle) -> Vec3 {
    Vec3 { x: p.vx, y: p.vy, z: p.vz }
}

fn store(p: &mut Particle, pos: Vec3, vel: Vec3) {
    p.x = pos.x;
    p.y = pos.y;
    p.z = pos.z;
    p.vx = vel.x;
    p.vy = vel.y;
    p.vz = vel.z;
}

fn step(p: &mut Particle, center: Vec3, axis: Vec3, dt: f64) {
    let pos = position(p);
    let vel = velocity(p);
    let to_center = sub(center, pos);
    let d2 = dot(to_center, to_center) + 0.5;
    let pull = scale(normalize(to_center), 4.0 / d2);
    let swirl = scale(cross(vel, axis), 0.3);
    let drag = scale(vel, -0.001);
    let acc = add(add(pull, swirl), drag);
    let new_vel = add(vel, scale(acc, dt));
    let new_pos = add(pos, scale(new_vel, dt));
    store(p, new_pos, new_vel);
}

fn main() {
    let center = vec3(0.0, 0.0, 0.0);
    let axis = normalize(vec3(0.2, 1.0, 0.1));
    let mut ps: Vec<Particle> = Vec::new();
    for i in 0..6 {
        let f = i as f64;
        ps.push(Particle { x: 3.0 + f, y: 0.5 * f - 1.0, z: 1.0 - 0.25 * f, vx: 0.0, vy: 0.4 - 0.1 * f, vz: 0.8 });
    }
    let dt = 0.001;
    let steps = std::hint::black_box(1_000_000);
    for _ in 0..steps {
        for p in ps.iter_mut() {
            step(p, center, axis, dt);
        }
    }
    let mut sum = vec3(0.0, 0.0, 0.0);
    let mut kinetic = 0.0;
    for p in &ps {
        sum = add(sum, position(p));
        let v = velocity(p);
        kinetic += 0.5 * dot(v, v);
    }
    println!("position sum {:?} {:?} {:?}", sum.x, sum.y, sum.z);
    println!("kinetic {:?}", kinetic);
    println!(
        "checksum {}",
        (sum.x * 1000.0) as i64 + (sum.y * 1000.0) as i64 + (sum.z * 1000.0) as i64
    );
}
