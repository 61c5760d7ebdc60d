// The n-body simulation: float fields of five bodies, 200,000 steps, with
// the same Newton square root as the Berth program.
#[derive(Clone, Copy)]
struct Body {
    x: f64,
    y: f64,
    z: f64,
    vx: f64,
    vy: f64,
    vz: f64,
    mass: f64,
}

fn sqrt(x: f64) -> f64 {
    let mut r = x;
    if r < 1.0 {
        r = 1.0;
    }
    for _ in 0..30 {
        r = 0.5 * (r + x / r);
    }
    r
}

fn energy(bodies: &[Body]) -> f64 {
    let mut e = 0.0;
    for i in 0..bodies.len() {
        let b = &bodies[i];
        e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
        for c in &bodies[i + 1..] {
            let (dx, dy, dz) = (b.x - c.x, b.y - c.y, b.z - c.z);
            e -= b.mass * c.mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    e
}

fn advance(bodies: &mut [Body], dt: f64) {
    let n = bodies.len();
    for i in 0..n {
        for j in i + 1..n {
            let (b, c) = (bodies[i], bodies[j]);
            let (dx, dy, dz) = (b.x - c.x, b.y - c.y, b.z - c.z);
            let d2 = dx * dx + dy * dy + dz * dz;
            let mag = dt / (d2 * sqrt(d2));
            bodies[i].vx -= dx * c.mass * mag;
            bodies[i].vy -= dy * c.mass * mag;
            bodies[i].vz -= dz * c.mass * mag;
            bodies[j].vx += dx * b.mass * mag;
            bodies[j].vy += dy * b.mass * mag;
            bodies[j].vz += dz * b.mass * mag;
        }
    }
    for b in bodies.iter_mut() {
        b.x += dt * b.vx;
        b.y += dt * b.vy;
        b.z += dt * b.vz;
    }
}

fn main() {
    let pi = 3.141592653589793;
    let solar = 4.0 * pi * pi;
    let days = 365.24;
    let body = |x, y, z, vx: f64, vy: f64, vz: f64, mass: f64| Body {
        x,
        y,
        z,
        vx: vx * days,
        vy: vy * days,
        vz: vz * days,
        mass: mass * solar,
    };
    let mut bodies = vec![
        body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03,
            7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
        body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03,
            4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
        body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03,
            2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
        body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03,
            1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05),
    ];
    let (mut px, mut py, mut pz) = (0.0, 0.0, 0.0);
    for b in &bodies {
        px += b.vx * b.mass;
        py += b.vy * b.mass;
        pz += b.vz * b.mass;
    }
    bodies[0].vx = -px / solar;
    bodies[0].vy = -py / solar;
    bodies[0].vz = -pz / solar;
    println!("{:?}", energy(&bodies));
    let steps = std::hint::black_box(200_000);
    for _ in 0..steps {
        advance(&mut bodies, 0.01);
    }
    println!("{:?}", energy(&bodies));
}
