// A simulation: particles in a box feel a central force; every step builds
// temporary force and contact records per particle.
struct Particle {
    x: f64,
    y: f64,
    vx: f64,
    vy: f64,
}

struct Force {
    fx: f64,
    fy: f64,
}

struct Contact {
    depth: f64,
    nx: f64,
    ny: f64,
}

fn gravity(p: &Particle) -> Force {
    let d2 = p.x * p.x + p.y * p.y + 0.01;
    Force { fx: -p.x / d2, fy: -p.y / d2 }
}

fn wall_contact(p: &Particle, c: &mut Contact) -> bool {
    if p.x > 10.0 {
        c.depth = p.x - 10.0;
        c.nx = -1.0;
        c.ny = 0.0;
        return true;
    }
    if p.y > 10.0 {
        c.depth = p.y - 10.0;
        c.nx = 0.0;
        c.ny = -1.0;
        return true;
    }
    false
}

fn step(ps: &mut [Particle], dt: f64) -> i64 {
    let mut bounces = 0;
    for p in ps.iter_mut() {
        let mut f = Force { fx: 0.0, fy: 0.0 };
        let g = gravity(p);
        f.fx += g.fx;
        f.fy += g.fy;
        p.vx += f.fx * dt;
        p.vy += f.fy * dt;
        p.x += p.vx * dt;
        p.y += p.vy * dt;
        let mut c = Contact { depth: 0.0, nx: 0.0, ny: 0.0 };
        if wall_contact(p, &mut c) {
            p.vx = p.vx + c.nx * c.depth;
            p.vy = p.vy + c.ny * c.depth;
            bounces += 1;
        }
    }
    bounces
}

fn main() {
    let mut ps: Vec<Particle> = Vec::new();
    for i in 0..500i64 {
        ps.push(Particle { x: (i % 20) as f64 - 9.5, y: (i / 20) as f64 - 12.0, vx: 0.1, vy: -0.05 });
    }
    let steps = std::hint::black_box(1000);
    let mut bounces = 0i64;
    for _ in 0..steps {
        bounces += step(&mut ps, 0.01);
    }
    let mut sx = 0.0;
    for p in &ps {
        sx += p.x;
    }
    println!("bounces {bounces}");
    println!("mean x {}", (sx / ps.len() as f64 * 1000.0) as i64);
}
