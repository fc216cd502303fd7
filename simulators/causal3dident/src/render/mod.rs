//! The software renderer: one object mesh on a ground plane, lit by an
//! ambient term and a coloured spotlight, seen by a fixed pinhole camera.
//!
//! The stage follows Causal3DIdent's Blender scene: the camera looks at
//! the origin from above and to the side, so that x, y and z each move the
//! object in a different image direction; the spotlight circles the scene
//! at height 6 and radius 4, at the angle of the `spot_angle` latent, and
//! points at the object; the ground takes the background colour. Frames
//! are drawn in three passes: vertices are transformed and projected
//! (module `camera`), triangles fill a depth buffer (module `raster`), then
//! every pixel is shaded once (module `shade`).

mod camera;
mod raster;
mod shade;

use std::sync::Arc;

use glam::{Mat3, Vec3};

use crate::color::{BACKGROUND_SATURATION, OBJECT_SATURATION, SPOT_SATURATION, hue_to_rgb};
use crate::error::Causal3dError;
use crate::latents::{Latent, SceneLatents};
use crate::mesh::{Mesh, Shape};
use camera::Camera;
use raster::{DepthBuffer, NONE, Projected};
use shade::Spotlight;

/// Image sizes the renderer accepts (square images).
pub const MIN_SIZE: u32 = 8;
pub const MAX_SIZE: u32 = 224;

/// Where the camera stands: about 11.5 units from the origin, 38 degrees
/// above the ground, off both horizontal axes.
const EYE: Vec3 = Vec3::new(6.4, -6.4, 7.0);
/// Vertical field of view: 50 degrees, which frames the cube of positions
/// (an object at a far corner may be cut by the image's edge).
const FIELD_OF_VIEW: f32 = 0.872_664_6;
/// The object's radius in world units (meshes are normalised to 1).
const OBJECT_RADIUS: f32 = 2.2;
/// The ground's height: below the lowest point any object can reach.
const GROUND_Z: f32 = -4.5;
/// The spotlight circles the scene at this radius and height.
const SPOT_RADIUS: f32 = 4.0;
const SPOT_HEIGHT: f32 = 6.0;

/// Renders scenes into `3 x size x size` images (channels R, G, B, then
/// rows top to bottom, values in [0, 1]). Holds its buffers, so one
/// renderer per thread; clones share the meshes.
#[derive(Clone, Debug)]
pub struct Renderer {
    size: u32,
    camera: Camera,
    meshes: Arc<[Mesh]>,
    /// The ground point each pixel sees (the camera never moves).
    ground: Vec<Vec3>,
    depth: DepthBuffer,
    world: Vec<Vec3>,
    normals: Vec<Vec3>,
    projected: Vec<Projected>,
}

impl Renderer {
    /// A renderer of `size` x `size` images of the given shapes (a scene's
    /// class indexes `shapes`), meshes tessellated at `detail`.
    pub fn new(size: u32, shapes: &[Shape], detail: u32) -> Result<Self, Causal3dError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
            return Err(Causal3dError::ImageSize { size });
        }
        let camera = Camera::looking_at_origin(EYE, FIELD_OF_VIEW, size);
        let ground = (0..size * size)
            .map(|i| {
                let ray = camera.ray(i % size, i / size);
                // The camera looks down steeply enough that every ray meets the ground.
                camera.eye + ray * ((GROUND_Z - camera.eye.z) / ray.z)
            })
            .collect();
        let meshes: Arc<[Mesh]> = shapes.iter().map(|s| s.mesh(detail)).collect();
        let vertices = meshes.iter().map(|m| m.positions.len()).max().unwrap_or(0);
        Ok(Self {
            size,
            camera,
            meshes,
            ground,
            depth: DepthBuffer::new(size),
            world: vec![Vec3::ZERO; vertices],
            normals: vec![Vec3::ZERO; vertices],
            projected: vec![Projected::default(); vertices],
        })
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// Values per image: 3 x size x size.
    pub fn image_len(&self) -> usize {
        3 * (self.size * self.size) as usize
    }

    /// The mesh of class `class`.
    pub fn mesh(&self, class: usize) -> &Mesh {
        &self.meshes[class]
    }

    /// Renders the scene `latents` showing class `class` into `out`
    /// (length [`Self::image_len`], channel-major).
    pub fn render(&mut self, latents: &SceneLatents, class: usize, out: &mut [f32]) {
        assert_eq!(out.len(), self.image_len(), "an image buffer of 3 x {0} x {0} values", self.size);
        let mesh = &self.meshes[class];
        let rotation = Mat3::from_rotation_z(latents.get(Latent::RotGamma))
            * Mat3::from_rotation_y(latents.get(Latent::RotBeta))
            * Mat3::from_rotation_x(latents.get(Latent::RotAlpha));
        let centre = Vec3::new(latents.get(Latent::PosX), latents.get(Latent::PosY), latents.get(Latent::PosZ));
        let scaled = rotation * OBJECT_RADIUS;
        for (i, (p, n)) in mesh.positions.iter().zip(&mesh.normals).enumerate() {
            let world = scaled * *p + centre;
            let (pixel, depth) = self.camera.project(world);
            self.world[i] = world;
            self.normals[i] = rotation * *n;
            self.projected[i] = Projected { pixel, inv_depth: 1.0 / depth };
        }
        self.depth.clear();
        for (id, t) in mesh.triangles.iter().enumerate() {
            self.depth.draw(id as u32, *t, &self.projected);
        }

        let angle = latents.get(Latent::SpotAngle);
        let position = Vec3::new(SPOT_RADIUS * angle.sin(), SPOT_RADIUS * angle.cos(), SPOT_HEIGHT);
        let spot = Spotlight {
            position,
            axis: (centre - position).normalize(),
            color: hue_to_rgb(latents.get(Latent::SpotHue), SPOT_SATURATION),
        };
        let object_albedo = hue_to_rgb(latents.get(Latent::ObjectHue), OBJECT_SATURATION);
        let ground_albedo = hue_to_rgb(latents.get(Latent::BackgroundHue), BACKGROUND_SATURATION);
        let eye = self.camera.eye;
        let plane = (self.size * self.size) as usize;
        let (red, rest) = out.split_at_mut(plane);
        let (green, blue) = rest.split_at_mut(plane);
        for i in 0..plane {
            let triangle = self.depth.triangle[i];
            let color = if triangle == NONE {
                shade::ground(ground_albedo, self.ground[i], &spot)
            } else {
                let [a, b, c] = mesh.triangles[triangle as usize].map(|v| v as usize);
                // Perspective-correct weights: screen weights times each
                // vertex's 1 / depth, renormalised by the pixel's 1 / depth.
                let w = self.depth.weights[i];
                let (za, zb, zc) =
                    (self.projected[a].inv_depth, self.projected[b].inv_depth, self.projected[c].inv_depth);
                let inv = 1.0 / self.depth.inv_depth[i];
                let (wb, wc) = (w.x * zb * inv, w.y * zc * inv);
                let wa = (1.0 - w.x - w.y) * za * inv;
                let p = self.world[a] * wa + self.world[b] * wb + self.world[c] * wc;
                let mut n = (self.normals[a] * wa + self.normals[b] * wb + self.normals[c] * wc).normalize_or(Vec3::Z);
                // Two-sided lighting: the teapot's patches do not all wind
                // the same way, so face the normal towards the eye.
                if n.dot(eye - p) < 0.0 {
                    n = -n;
                }
                shade::object(object_albedo, p, n, eye, &spot)
            };
            red[i] = color.x;
            green[i] = color.y;
            blue[i] = color.z;
        }
    }

    /// Per pixel of the last frame, whether it shows the object.
    pub fn object_mask(&self) -> impl Iterator<Item = bool> + '_ {
        self.depth.triangle.iter().map(|&t| t != NONE)
    }
}
