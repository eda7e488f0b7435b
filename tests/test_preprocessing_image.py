"""keras.preprocessing.image: transforms against hand-computed arrays, files, generators, iterators.

References are plain NumPy (np.rot90, np.roll, np.pad, explicit formulas),
never the code under test. Images are tiny; models only appear where the
iterators feed ``fit_generator``.
"""

import inspect
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image, ImageEnhance, UnidentifiedImageError

from polykeras.backend import config
from polykeras.preprocessing import image
from polykeras.utils.data_utils import OrderedEnqueuer


def _rng():
    return np.random.default_rng(20240611)


def _ramp(rows, cols, channels=1):
    """f(r, c, ch) = 10 r + c + 100 ch: linear in r and c, so bilinear resampling is exact."""
    r, c, ch = np.meshgrid(np.arange(rows), np.arange(cols), np.arange(channels), indexing="ij")
    return (10. * r + c + 100. * ch).astype("float64")


# -- API ------------------------------------------------------------------------------------

def test_every_keras_224_name_is_defined():
    # keras.preprocessing.image's names in Keras 2.2.4 (shared/reference/keras224_api.json)
    names = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
             "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
             "array_to_img", "img_to_array", "load_img", "random_brightness",
             "random_channel_shift", "random_rotation", "random_shear", "random_shift",
             "random_zoom", "save_img"]
    assert [n for n in names if not hasattr(image, n)] == []
    # `import polykeras as keras` reaches keras.preprocessing and keras.wrappers, as in Keras
    code = ("import polykeras as keras; keras.preprocessing.image.ImageDataGenerator; "
            "keras.wrappers.scikit_learn.KerasClassifier; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


def test_signatures_are_keras_preprocessing_105():
    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
    assert params(image.load_img) == [("path", inspect.Parameter.empty), ("grayscale", False),
                                      ("color_mode", "rgb"), ("target_size", None),
                                      ("interpolation", "nearest")]
    assert [n for n, _ in params(image.ImageDataGenerator.flow_from_directory)] == [
        "self", "directory", "target_size", "color_mode", "classes", "class_mode", "batch_size",
        "shuffle", "seed", "save_to_dir", "save_prefix", "save_format", "follow_links", "subset",
        "interpolation"]
    assert [n for n, _ in params(image.ImageDataGenerator.__init__)][1:22] == [
        "featurewise_center", "samplewise_center", "featurewise_std_normalization",
        "samplewise_std_normalization", "zca_whitening", "zca_epsilon", "rotation_range",
        "width_shift_range", "height_shift_range", "brightness_range", "shear_range", "zoom_range",
        "channel_shift_range", "fill_mode", "cval", "horizontal_flip", "vertical_flip", "rescale",
        "preprocessing_function", "data_format", "validation_split"]
    assert [n for n, _ in params(image.apply_affine_transform)] == [
        "x", "theta", "tx", "ty", "shear", "zx", "zy", "row_axis", "col_axis", "channel_axis",
        "fill_mode", "cval"]


# -- geometric transforms -------------------------------------------------------------------

@pytest.mark.parametrize("channels_first", [False, True])
def test_rotation_by_quarter_turns_equals_rot90(channels_first):
    x = _rng().uniform(0, 1, (5, 5, 3))
    axes = dict(row_axis=0, col_axis=1, channel_axis=2)
    if channels_first:
        x = np.moveaxis(x, 2, 0)
        axes = dict(row_axis=1, col_axis=2, channel_axis=0)
    spatial = (axes["row_axis"], axes["col_axis"])
    np.testing.assert_allclose(image.apply_affine_transform(x, theta=90, **axes),
                               np.rot90(x, k=-1, axes=spatial), atol=1e-12)
    np.testing.assert_allclose(image.apply_affine_transform(x, theta=-90, **axes),
                               np.rot90(x, k=1, axes=spatial), atol=1e-12)
    np.testing.assert_allclose(image.apply_affine_transform(x, theta=180, **axes),
                               np.rot90(x, k=2, axes=spatial), atol=1e-12)


def test_rotation_of_a_non_square_image_by_180_flips_both_axes():
    x = _rng().uniform(0, 1, (4, 6, 2)).astype("float32")
    out = image.apply_affine_transform(x, theta=180)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out, x[::-1, ::-1], atol=1e-6)


@pytest.mark.parametrize("fill_mode,pad_mode", [("nearest", "edge"), ("reflect", "symmetric"),
                                                ("wrap", "wrap"), ("constant", "constant")])
def test_integer_shifts_fill_like_numpy_pad(fill_mode, pad_mode):
    x = _rng().uniform(0, 1, (6, 7, 2))
    kwargs = {"constant_values": -3.} if pad_mode == "constant" else {}
    padded = np.pad(x, ((6, 6), (7, 7), (0, 0)), mode=pad_mode, **kwargs)
    # tx=2 reads row r + 2 (content moves up), ty=-3 reads col c - 3 (content moves right)
    expected = padded[6 + 2:6 + 2 + 6, 7 - 3:7 - 3 + 7]
    out = image.apply_affine_transform(x, tx=2, ty=-3, fill_mode=fill_mode, cval=-3.)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_zoom_and_shear_resample_a_linear_image_exactly():
    x = _ramp(9, 9)
    center = 4.
    zoomed = image.apply_affine_transform(x, zx=0.5, zy=2.0)
    r, c = np.meshgrid(np.arange(9.), np.arange(9.), indexing="ij")
    src_r, src_c = 0.5 * (r - center) + center, 2.0 * (c - center) + center
    inside = (src_c >= 0) & (src_c <= 8)
    np.testing.assert_allclose(zoomed[..., 0][inside], (10 * src_r + src_c)[inside], atol=1e-9)
    # outside the input, "nearest" repeats the edge column
    np.testing.assert_allclose(zoomed[..., 0][~inside],
                               (10 * src_r + np.clip(src_c, 0, 8))[~inside], atol=1e-9)

    angle = np.deg2rad(20.)
    sheared = image.apply_affine_transform(x, shear=20.)
    src_r = (r - center) - np.sin(angle) * (c - center) + center
    src_c = np.cos(angle) * (c - center) + center
    inside = (src_r >= 0) & (src_r <= 8)
    np.testing.assert_allclose(sheared[..., 0][inside], (10 * src_r + src_c)[inside], atol=1e-9)


def test_identity_transform_returns_the_input():
    x = _rng().uniform(0, 1, (3, 4, 1))
    assert image.apply_affine_transform(x) is x


def test_random_transforms_draw_from_numpy_random():
    x = _rng().uniform(0, 1, (3, 5, 5))  # channels first: the default axes of random_*
    np.random.seed(3)
    theta = np.random.uniform(-40, 40)
    np.random.seed(3)
    out = image.random_rotation(x, 40)
    np.testing.assert_allclose(out, image.apply_affine_transform(
        x, theta=theta, row_axis=1, col_axis=2, channel_axis=0), atol=1e-12)
    np.random.seed(4)
    tx, ty = np.random.uniform(-0.2, 0.2) * 5, np.random.uniform(-0.4, 0.4) * 5
    np.random.seed(4)
    out = image.random_shift(x, 0.4, 0.2)
    np.testing.assert_allclose(out, image.apply_affine_transform(
        x, tx=tx, ty=ty, row_axis=1, col_axis=2, channel_axis=0), atol=1e-12)
    np.random.seed(5)
    zx, zy = np.random.uniform(0.5, 1.5, 2)
    np.random.seed(5)
    out = image.random_zoom(x, (0.5, 1.5))
    np.testing.assert_allclose(out, image.apply_affine_transform(
        x, zx=zx, zy=zy, row_axis=1, col_axis=2, channel_axis=0), atol=1e-12)
    with pytest.raises(ValueError, match="random_zoom.*zoom_range"):
        image.random_zoom(x, 0.5)


def test_channel_shift_and_brightness_formulas():
    x = _rng().uniform(10, 200, (4, 4, 3))
    np.testing.assert_allclose(image.apply_channel_shift(x, 30., 2),
                               np.clip(x + 30., x.min(), x.max()))
    np.testing.assert_allclose(image.apply_channel_shift(x, -500., 2), np.full(x.shape, x.min()))
    unit = x / 255.
    np.testing.assert_allclose(image.apply_brightness_shift(unit, 1.5),
                               np.clip(unit * 1.5, 0, unit.max()), atol=1e-12)
    np.testing.assert_allclose(image.apply_brightness_shift(unit, 0.5), unit * 0.5, atol=1e-12)
    # On 0..255 pictures it is Pillow's ImageEnhance.Brightness (up to Pillow's rounding).
    pixels = np.round(x).astype("uint8")
    pixels[0, 0] = 255
    pil = np.asarray(ImageEnhance.Brightness(Image.fromarray(pixels)).enhance(0.7), "float64")
    ours = image.apply_brightness_shift(pixels.astype("float64"), 0.7)
    assert np.max(np.abs(ours - pil)) <= 1.


def test_transform_errors_name_the_function():
    with pytest.raises(ValueError, match=r"apply_affine_transform: .*rank 3.*\(4, 4\)"):
        image.apply_affine_transform(np.zeros((4, 4)), theta=10)
    with pytest.raises(ValueError, match="apply_affine_transform: Expected fill_mode.*'mirror'"):
        image.apply_affine_transform(np.zeros((4, 4, 1)), theta=10, fill_mode="mirror")
    with pytest.raises(ValueError, match="ImageDataGenerator: Expected fill_mode"):
        image.ImageDataGenerator(fill_mode="edge")
    with pytest.raises(ValueError, match="ImageDataGenerator: Expected data_format"):
        image.ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="brightness_range"):
        image.ImageDataGenerator(brightness_range=0.5)


# -- PIL images and files -------------------------------------------------------------------

@pytest.mark.parametrize("channels,mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_array_image_round_trip(channels, mode, data_format, tmp_path):
    pixels = _rng().integers(0, 256, (5, 6, channels)).astype("float32")
    x = pixels if data_format == "channels_last" else pixels.transpose(2, 0, 1)
    img = image.array_to_img(x, data_format=data_format, scale=False)
    assert img.mode == mode and img.size == (6, 5)
    np.testing.assert_array_equal(image.img_to_array(img, data_format=data_format), x)
    image.save_img(str(tmp_path / "a.png"), x, data_format=data_format, scale=False)
    loaded = image.load_img(tmp_path / "a.png", color_mode={1: "grayscale", 3: "rgb",
                                                            4: "rgba"}[channels])
    np.testing.assert_array_equal(image.img_to_array(loaded, data_format=data_format), x)


def test_array_to_img_scales_to_0_255():
    x = np.array([[[-1.], [0.]], [[1.], [3.]]])
    np.testing.assert_array_equal(np.asarray(image.array_to_img(x)),
                                  [[0, 63], [127, 255]])  # (x + 1) / 4 * 255, truncated
    with pytest.raises(ValueError, match="array_to_img: Expected 1, 3 or 4 channels"):
        image.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="array_to_img: .*rank 3"):
        image.array_to_img(np.zeros((2, 2)))


def test_load_img_modes_and_resizing(tmp_path):
    pixels = _rng().integers(0, 256, (2, 3, 3)).astype("uint8")
    Image.fromarray(pixels).save(tmp_path / "p.png")
    gray = image.img_to_array(image.load_img(tmp_path / "p.png", color_mode="grayscale"))
    expected = pixels.astype(float) @ np.array([299, 587, 114]) / 1000  # ITU-R 601-2 luma
    assert gray.shape == (2, 3, 1) and np.max(np.abs(gray[..., 0] - expected)) <= 1
    rgba = image.load_img(tmp_path / "p.png", color_mode="rgba")
    assert rgba.mode == "RGBA" and np.all(np.asarray(rgba)[..., 3] == 255)
    big = image.img_to_array(image.load_img(tmp_path / "p.png", target_size=(4, 6)))
    np.testing.assert_array_equal(big, np.repeat(np.repeat(pixels, 2, 0), 2, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert image.load_img(tmp_path / "p.png", grayscale=True).mode == "L"
    assert any("grayscale is deprecated" in str(w.message) for w in caught)


def test_load_img_errors(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(UnidentifiedImageError,
                       match=r"load_img: Expected an image file.*notes\.txt"):
        image.load_img(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError):
        image.load_img(tmp_path / "missing.png")
    Image.new("RGB", (2, 2)).save(tmp_path / "ok.png")
    with pytest.raises(ValueError, match="load_img: Expected color_mode.*'cmyk'"):
        image.load_img(tmp_path / "ok.png", color_mode="cmyk")
    with pytest.raises(ValueError, match="load_img: Expected interpolation"):
        image.load_img(tmp_path / "ok.png", target_size=(3, 3), interpolation="cubic")
    with pytest.raises(ValueError, match="load_img: Expected target_size"):
        image.load_img(tmp_path / "ok.png", target_size=(3, 0))


def test_save_img_rgba_as_jpeg_converts_to_rgb(tmp_path):
    with pytest.warns(UserWarning, match="RGBA"):
        image.save_img(str(tmp_path / "a.jpg"), np.full((4, 4, 4), 200.), scale=False)
    assert Image.open(tmp_path / "a.jpg").mode == "RGB"


# -- ImageDataGenerator ---------------------------------------------------------------------

def test_standardize_steps_against_numpy():
    x = _rng().uniform(0, 255, (3, 3, 2))
    gen = image.ImageDataGenerator(rescale=0.5, samplewise_center=True,
                                   samplewise_std_normalization=True,
                                   preprocessing_function=lambda a: a + 1.)
    expected = (x + 1.) * 0.5
    expected = (expected - expected.mean()) / (expected.std() + config.epsilon())
    np.testing.assert_allclose(gen.standardize(x.copy()), expected, rtol=1e-12)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_featurewise_statistics_from_fit(data_format):
    rng = _rng()
    x = rng.normal(3., 2., (50, 4, 4, 3)) * np.array([1., 5., 10.])
    if data_format == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    channel_axis = 3 if data_format == "channels_last" else 1
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                   data_format=data_format, dtype="float64")
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.standardize(x[0].copy())
    gen.fit(x)
    axes = tuple(a for a in range(4) if a != channel_axis)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=axes), rtol=1e-10)
    np.testing.assert_allclose(gen.std.ravel(), x.std(axis=axes), rtol=1e-6)
    out = np.stack([gen.standardize(sample.copy()) for sample in x])
    np.testing.assert_allclose(out.mean(axis=axes), 0., atol=1e-6)
    np.testing.assert_allclose(out.std(axis=axes), 1., atol=1e-5)
    with pytest.raises(ValueError, match=r"ImageDataGenerator.fit: .*rank 4"):
        gen.fit(x[0])


def test_zca_whitening_makes_the_covariance_the_identity():
    rng = _rng()
    mixing = rng.normal(size=(4, 4))
    x = (rng.normal(size=(400, 4)) @ mixing).reshape(400, 2, 2, 1)
    with pytest.warns(UserWarning, match="zca_whitening"):
        gen = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-12, dtype="float64")
    gen.fit(x)
    flat = gen.standardize(x.copy()).reshape(400, 4)
    np.testing.assert_allclose(flat.T @ flat / 400, np.eye(4), atol=1e-6)
    # ZCA is the symmetric whitening: the principal components matrix is symmetric
    np.testing.assert_allclose(gen.principal_components, gen.principal_components.T, atol=1e-9)


def test_random_transform_parameters():
    gen = image.ImageDataGenerator(rotation_range=30, width_shift_range=3, height_shift_range=0.25,
                                   shear_range=5, zoom_range=(0.8, 1.2), channel_shift_range=4,
                                   brightness_range=(0.5, 0.6), horizontal_flip=True)
    state = np.random.get_state()
    draws = [gen.get_random_transform((8, 10, 3), seed=s) for s in range(200)]
    assert np.array_equal(np.random.get_state()[1], state[1])  # the global state is untouched
    assert draws[7] == gen.get_random_transform((8, 10, 3), seed=7)
    thetas = np.array([d["theta"] for d in draws])
    assert thetas.min() >= -30 and thetas.max() <= 30 and thetas.std() > 10
    ty = np.array([d["ty"] for d in draws])  # int 3: whole pixels in (-3, 3)
    assert set(ty.tolist()) == {-2., -1., 0., 1., 2.}
    tx = np.array([d["tx"] for d in draws])  # 0.25 of 8 rows
    assert tx.min() >= -2 and tx.max() <= 2
    assert all(0.8 <= d["zx"] <= 1.2 and 0.8 <= d["zy"] <= 1.2 for d in draws)
    assert all(0.5 <= d["brightness"] <= 0.6 for d in draws)
    flips = [d["flip_horizontal"] for d in draws]
    assert 50 < sum(flips) < 150 and not any(d["flip_vertical"] for d in draws)
    listed = image.ImageDataGenerator(width_shift_range=[2, 4])
    assert {abs(listed.get_random_transform((8, 10, 3), seed=s)["ty"])
            for s in range(40)} == {2., 4.}


def test_apply_transform_order_flip_then_brightness():
    gen = image.ImageDataGenerator()
    x = _rng().uniform(0, 1, (3, 4, 2))
    out = gen.apply_transform(x, {"flip_horizontal": True, "flip_vertical": True,
                                  "brightness": 0.5})
    np.testing.assert_allclose(out, x[::-1, ::-1] * 0.5, atol=1e-12)
    channels_first = image.ImageDataGenerator(data_format="channels_first")
    out = channels_first.apply_transform(x.transpose(2, 0, 1), {"flip_horizontal": True})
    np.testing.assert_array_equal(out, x.transpose(2, 0, 1)[:, :, ::-1])


# -- NumpyArrayIterator ---------------------------------------------------------------------

def _augmenting(**kwargs):
    return image.ImageDataGenerator(rotation_range=20, width_shift_range=0.2, zoom_range=0.1,
                                    horizontal_flip=True, **kwargs)


def _images(n=10, size=6, channels=1):
    return _rng().uniform(0, 1, (n, size, size, channels)).astype("float32")


def test_flow_batches_hold_the_samples_of_the_index_array():
    x, y = _images(10), np.arange(10)
    weights = np.arange(10) / 10.
    it = image.ImageDataGenerator().flow(x, y, batch_size=4, shuffle=True, seed=1,
                                         sample_weight=weights)
    assert isinstance(it, image.NumpyArrayIterator) and len(it) == 3
    seen = []
    for i in range(len(it)):
        bx, by, bw = it[i]
        np.testing.assert_array_equal(bx, x[by])  # no augmentation: the images themselves
        np.testing.assert_array_equal(bw, weights[by])
        seen += by.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    assert it[-1][0].shape == (2, 6, 6, 1)
    only_x = image.ImageDataGenerator().flow(x, batch_size=3, shuffle=False)[0]
    np.testing.assert_array_equal(only_x, x[:3])
    extra = np.arange(20).reshape(10, 2)
    (bx, bextra), by = image.ImageDataGenerator().flow((x, extra), y, batch_size=5,
                                                       shuffle=False)[1]
    np.testing.assert_array_equal(bextra, extra[5:])
    with pytest.raises(ValueError, match="Asked to retrieve element 3"):
        it[3]


def test_same_seed_same_batches_in_any_order_and_any_thread():
    x, y = _images(12), np.arange(12)
    gen = _augmenting()
    first = gen.flow(x, y, batch_size=5, seed=42)
    reference = [first[i] for i in range(len(first))]
    again = gen.flow(x, y, batch_size=5, seed=42)
    backwards = [again[i] for i in reversed(range(len(again)))][::-1]
    for (ax, ay), (bx, by) in zip(reference, backwards):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)
    assert not np.array_equal(reference[0][0], x[reference[0][1]])  # augmented
    # next() walks the same batches, then a new epoch with new transforms and a new order
    walker = gen.flow(x, y, batch_size=5, seed=42)
    walked = [next(walker) for _ in range(4)]
    for (ax, _), (bx, _) in zip(reference, walked):
        np.testing.assert_array_equal(ax, bx)
    assert walker.epoch == 1 and not np.array_equal(walked[3][0], reference[0][0])
    # two worker threads reading ahead give the same batches
    threaded = gen.flow(x, y, batch_size=5, seed=42)
    enqueuer = OrderedEnqueuer(threaded, use_multiprocessing=False)
    enqueuer.start(workers=2, max_queue_size=3)
    batches = enqueuer.get()
    read = [next(batches) for _ in range(len(threaded))]
    enqueuer.stop()
    for (ax, ay), (bx, by) in zip(reference, read):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)
    # a pickled copy (what a worker process gets) gives the same batch
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(gen.flow(x, y, batch_size=5,
                                                                     seed=42)))[1][0],
                                  reference[1][0])
    other = gen.flow(x, y, batch_size=5, seed=43)[0][0]
    assert not np.array_equal(other, reference[0][0])


def test_flow_subsets_and_errors():
    x, y = _images(10), np.arange(10) % 2
    gen = image.ImageDataGenerator(validation_split=0.3)
    validation = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    training = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert validation.n == 3 and training.n == 7
    np.testing.assert_array_equal(validation[0][0], x[:3])
    np.testing.assert_array_equal(training[0][1], y[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.arange(10) >= 3, subset="training")
    with pytest.raises(ValueError, match="subset 'training', 'validation' or None"):
        gen.flow(x, y, subset="test")
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator().flow(x, y, subset="training")
    with pytest.raises(ValueError, match="NumpyArrayIterator: .*rank 4"):
        gen.flow(x[0], y)
    with pytest.raises(ValueError, match="same length"):
        gen.flow(x, y[:4])
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(x, y, batch_size=0)


def test_fit_generator_with_two_workers_trains_like_one(backend):
    from polykeras import optimizers
    from polykeras.layers import Dense, Flatten
    from polykeras.models import Sequential
    x = _images(16, size=4)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    model = Sequential([Flatten(input_shape=(4, 4, 1)), Dense(1, activation="sigmoid")])
    model.compile(optimizers.SGD(lr=0.5), "binary_crossentropy")  # plain SGD: no state
    start = model.get_weights()
    finals = []
    for workers in (1, 2):
        model.set_weights(start)
        flow = _augmenting().flow(x, y, batch_size=4, seed=7)
        # shuffle=False: the enqueuer keeps the batch order (the flow shuffles its samples itself)
        history = model.fit_generator(flow, epochs=2, workers=workers, shuffle=False, verbose=0)
        assert len(history.history["loss"]) == 2
        finals.append(model.get_weights())
    for a, b in zip(*finals):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not np.allclose(finals[0][0], start[0])


# -- flow_from_directory --------------------------------------------------------------------

def _image_tree(root, classes=("cat", "dog"), per_class=3, size=(5, 4)):
    """root/<class>/<i>.png plus one nested root/<class>/more/x.png; returns {relpath: pixels}."""
    rng = _rng()
    written = {}
    for cls in classes:
        os.makedirs(os.path.join(root, cls, "more"), exist_ok=True)
        names = [f"{i}.png" for i in range(per_class)] + [os.path.join("more", "x.png")]
        for name in names:
            pixels = rng.integers(0, 256, size + (3,)).astype("uint8")
            Image.fromarray(pixels).save(os.path.join(root, cls, name))
            written[os.path.join(cls, name)] = pixels
        with open(os.path.join(root, cls, "notes.txt"), "w") as f:
            f.write("ignored")
    return written


def test_flow_from_directory_reads_class_subfolders(tmp_path):
    written = _image_tree(str(tmp_path))
    it = image.ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=(5, 4),
                                                        batch_size=8, shuffle=False)
    assert isinstance(it, image.DirectoryIterator)
    assert it.class_indices == {"cat": 0, "dog": 1} and it.samples == 8 and len(it) == 1
    assert it.filenames == sorted(written) and it.classes.tolist() == [0] * 4 + [1] * 4
    bx, by = it[0]
    assert bx.dtype == np.float32 and bx.shape == (8, 5, 4, 3)
    for batch_image, name in zip(bx, it.filenames):
        np.testing.assert_array_equal(batch_image, written[name])
    np.testing.assert_array_equal(by, np.eye(2)[it.classes])


@pytest.mark.parametrize("class_mode", ["binary", "sparse", "input", None])
def test_flow_from_directory_class_modes(class_mode, tmp_path):
    _image_tree(str(tmp_path))
    it = image.ImageDataGenerator().flow_from_directory(
        str(tmp_path), target_size=(5, 4), class_mode=class_mode, batch_size=8, shuffle=False,
        color_mode="grayscale")
    out = it[0]
    if class_mode is None:
        assert isinstance(out, np.ndarray) and out.shape == (8, 5, 4, 1)
        return
    bx, by = out
    if class_mode == "input":
        np.testing.assert_array_equal(by, bx)
    elif class_mode == "binary":
        assert by.dtype == np.float32 and by.tolist() == [0.] * 4 + [1.] * 4
    else:
        assert by.dtype.kind == "i" and by.tolist() == [0] * 4 + [1] * 4


def test_flow_from_directory_options(tmp_path):
    root = str(tmp_path / "data")
    _image_tree(root)
    gen = image.ImageDataGenerator(validation_split=0.5, data_format="channels_first")
    it = gen.flow_from_directory(root, target_size=(3, 2), color_mode="rgba", classes=["dog"],
                                 subset="validation", shuffle=False)
    assert it.class_indices == {"dog": 0} and it.filenames == ["dog/0.png", "dog/1.png"]
    assert it[0][0].shape == (2, 4, 3, 2)
    train = gen.flow_from_directory(root, subset="training", target_size=(3, 2))
    assert train.samples == 4
    os.symlink(os.path.join(root, "cat"), os.path.join(root, "dog", "linked"))
    plain = gen.flow_from_directory(root, classes=["dog"], target_size=(3, 2))
    followed = gen.flow_from_directory(root, classes=["dog"], target_size=(3, 2),
                                       follow_links=True)
    assert plain.samples == 4 and followed.samples == 8
    saved = tmp_path / "saved"
    flow = _augmenting().flow_from_directory(root, target_size=(3, 2), batch_size=3, seed=0,
                                             save_to_dir=str(saved), save_prefix="aug")
    flow[0]
    files = os.listdir(saved)
    assert len(files) == 3 and all(f.startswith("aug_") and f.endswith(".png") for f in files)


def test_flow_from_directory_errors(tmp_path):
    gen = image.ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="flow_from_directory: .*'.*missing'"):
        gen.flow_from_directory(str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    (empty / "cls").mkdir(parents=True)
    with pytest.raises(ValueError, match="Found no images"):
        gen.flow_from_directory(str(empty))
    loose = tmp_path / "loose"
    loose.mkdir()
    Image.new("RGB", (2, 2)).save(loose / "a.png")
    with pytest.raises(ValueError, match="directly in the folder"):
        gen.flow_from_directory(str(loose))
    root = str(tmp_path / "data")
    _image_tree(root, classes=("a", "b", "c"))
    with pytest.raises(ValueError, match="flow_from_directory: Expected class_mode.*'multi'"):
        gen.flow_from_directory(root, class_mode="multi")
    with pytest.raises(ValueError, match=r"no folder: \['zebra'\]"):
        gen.flow_from_directory(root, classes=["a", "zebra"])
    with pytest.raises(ValueError, match="binary.*at most 2 classes"):
        gen.flow_from_directory(root, class_mode="binary")
    with open(os.path.join(root, "a", "broken.png"), "w") as f:
        f.write("not a png")
    it = gen.flow_from_directory(root, classes=["a"], shuffle=False, batch_size=1)
    broken = it.filenames.index(os.path.join("a", "broken.png"))
    with pytest.raises(UnidentifiedImageError, match="broken.png"):
        it[broken]


# -- flow_from_dataframe --------------------------------------------------------------------

def test_flow_from_dataframe(tmp_path):
    import pandas as pd
    root = str(tmp_path)
    written = _image_tree(root)
    frame = pd.DataFrame({"file": ["dog/1.png", "cat/0.png", "nothing.png", "cat/2.png"],
                          "label": ["woof", "meow", "meow", "meow"],
                          "size": [1.5, 2.5, 3.5, 4.5]})
    gen = image.ImageDataGenerator()
    with pytest.warns(UserWarning, match="1 rows name no existing image.*nothing.png"):
        it = gen.flow_from_dataframe(frame, root, x_col="file", y_col="label",
                                     target_size=(5, 4), shuffle=False)
    assert isinstance(it, image.DataFrameIterator)
    assert it.filenames == ["dog/1.png", "cat/0.png", "cat/2.png"]
    assert it.class_indices == {"meow": 0, "woof": 1}
    bx, by = it[0]
    np.testing.assert_array_equal(bx[0], written["dog/1.png"])
    np.testing.assert_array_equal(by, [[0, 1], [1, 0], [1, 0]])
    stems = frame.assign(file=frame["file"].str[:-4]).drop(index=2)
    other = gen.flow_from_dataframe(stems, root, x_col="file", y_col="size", has_ext=False,
                                    class_mode="other", target_size=(5, 4), shuffle=False)
    np.testing.assert_array_equal(other[0][1], [1.5, 2.5, 4.5])
    with pytest.raises(ValueError, match=r"Missing: \['klass'\]"):
        gen.flow_from_dataframe(frame, root, x_col="file", y_col="klass")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        gen.flow_from_dataframe({"file": ["a.png"]}, root)
    with pytest.raises(ValueError, match="flow_from_dataframe: Expected class_mode"):
        gen.flow_from_dataframe(frame, root, x_col="file", y_col="label", class_mode="multi")
