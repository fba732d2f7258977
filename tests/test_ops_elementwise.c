/*
 * test_ops_elementwise.c — the binary element-wise operators through the real
 * parse -> infer -> kernel path: every legacy `axis` broadcasting case against
 * Paddle 3.3.1's own results, each operator in float32, int32 and int64, a
 * set of random broadcasts against an independent naive loop, and the error
 * paths (DESIGN §5, M10, M11).
 *
 * The expected arrays were produced by running each legacy operator in a
 * static Program on paddle.static.Executor (CPU, FLAGS_enable_pir_api=0).
 */
#include "harness.h"

#include <math.h>
#include <stdint.h>

#include "ops/elementwise.h"

/* Runs a two-input, one-output operator. */
static pds_status run2(const char *type, int64_t axis, bool with_axis, pdsi_tensor *x,
                       pdsi_tensor *y, pdsi_tensor *o, pds_error *err)
{
    pdsi_tensor *ti[2] = {x, y}, *to[1] = {o};
    pdsi_slot in[PDSI_MAX_SLOTS] = {{&ti[0], 1}, {&ti[1], 1}};
    pdsi_slot out[PDSI_MAX_SLOTS] = {{&to[0], 1}};
    pdsi_attr a = pdst_attr_int("axis", axis);
    return pdst_run_op(type, &a, with_axis ? 1 : 0, in, out, err);
}


/* arange(n) and 1000 * (1 + arange(n)) as float32, the inputs of the axis
 * cases. */
static pdsi_tensor *arange_f32(int rank, const int64_t *dims, float step, float start)
{
    pdsi_tensor *t = pdst_tensor(PDS_FLOAT32, rank, dims, NULL);
    float *v = t->data;
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        v[i] = start + step * (float)i;
    return t;
}

/* ---- Paddle-computed data --------------------------------------------------- */

/* X for the axis cases: arange(120) as [2,3,4,5]; Y = 1000 * (1 + arange(numel)) in the shape
 * named. */
/* paddle elementwise_add X[2,3,4,5] + Y[3] axis=1 -> [2, 3, 4, 5] */
static const float want_add_y3_axis1[120] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 1005.0f, 1006.0f, 1007.0f, 1008.0f, 1009.0f,
    1010.0f, 1011.0f, 1012.0f, 1013.0f, 1014.0f, 1015.0f, 1016.0f, 1017.0f, 1018.0f, 1019.0f,
    2020.0f, 2021.0f, 2022.0f, 2023.0f, 2024.0f, 2025.0f, 2026.0f, 2027.0f, 2028.0f, 2029.0f,
    2030.0f, 2031.0f, 2032.0f, 2033.0f, 2034.0f, 2035.0f, 2036.0f, 2037.0f, 2038.0f, 2039.0f,
    3040.0f, 3041.0f, 3042.0f, 3043.0f, 3044.0f, 3045.0f, 3046.0f, 3047.0f, 3048.0f, 3049.0f,
    3050.0f, 3051.0f, 3052.0f, 3053.0f, 3054.0f, 3055.0f, 3056.0f, 3057.0f, 3058.0f, 3059.0f,
    1060.0f, 1061.0f, 1062.0f, 1063.0f, 1064.0f, 1065.0f, 1066.0f, 1067.0f, 1068.0f, 1069.0f,
    1070.0f, 1071.0f, 1072.0f, 1073.0f, 1074.0f, 1075.0f, 1076.0f, 1077.0f, 1078.0f, 1079.0f,
    2080.0f, 2081.0f, 2082.0f, 2083.0f, 2084.0f, 2085.0f, 2086.0f, 2087.0f, 2088.0f, 2089.0f,
    2090.0f, 2091.0f, 2092.0f, 2093.0f, 2094.0f, 2095.0f, 2096.0f, 2097.0f, 2098.0f, 2099.0f,
    3100.0f, 3101.0f, 3102.0f, 3103.0f, 3104.0f, 3105.0f, 3106.0f, 3107.0f, 3108.0f, 3109.0f,
    3110.0f, 3111.0f, 3112.0f, 3113.0f, 3114.0f, 3115.0f, 3116.0f, 3117.0f, 3118.0f, 3119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[3, 4] axis=1 -> [2, 3, 4, 5] */
static const float want_add_y34_axis1[120] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 2005.0f, 2006.0f, 2007.0f, 2008.0f, 2009.0f,
    3010.0f, 3011.0f, 3012.0f, 3013.0f, 3014.0f, 4015.0f, 4016.0f, 4017.0f, 4018.0f, 4019.0f,
    5020.0f, 5021.0f, 5022.0f, 5023.0f, 5024.0f, 6025.0f, 6026.0f, 6027.0f, 6028.0f, 6029.0f,
    7030.0f, 7031.0f, 7032.0f, 7033.0f, 7034.0f, 8035.0f, 8036.0f, 8037.0f, 8038.0f, 8039.0f,
    9040.0f, 9041.0f, 9042.0f, 9043.0f, 9044.0f, 10045.0f, 10046.0f, 10047.0f, 10048.0f, 10049.0f,
    11050.0f, 11051.0f, 11052.0f, 11053.0f, 11054.0f, 12055.0f, 12056.0f, 12057.0f, 12058.0f,
    12059.0f, 1060.0f, 1061.0f, 1062.0f, 1063.0f, 1064.0f, 2065.0f, 2066.0f, 2067.0f, 2068.0f,
    2069.0f, 3070.0f, 3071.0f, 3072.0f, 3073.0f, 3074.0f, 4075.0f, 4076.0f, 4077.0f, 4078.0f,
    4079.0f, 5080.0f, 5081.0f, 5082.0f, 5083.0f, 5084.0f, 6085.0f, 6086.0f, 6087.0f, 6088.0f,
    6089.0f, 7090.0f, 7091.0f, 7092.0f, 7093.0f, 7094.0f, 8095.0f, 8096.0f, 8097.0f, 8098.0f,
    8099.0f, 9100.0f, 9101.0f, 9102.0f, 9103.0f, 9104.0f, 10105.0f, 10106.0f, 10107.0f, 10108.0f,
    10109.0f, 11110.0f, 11111.0f, 11112.0f, 11113.0f, 11114.0f, 12115.0f, 12116.0f, 12117.0f,
    12118.0f, 12119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[4, 5] axis=-1 -> [2, 3, 4, 5] */
static const float want_add_y45_axism1[120] = {
    1000.0f, 2001.0f, 3002.0f, 4003.0f, 5004.0f, 6005.0f, 7006.0f, 8007.0f, 9008.0f, 10009.0f,
    11010.0f, 12011.0f, 13012.0f, 14013.0f, 15014.0f, 16015.0f, 17016.0f, 18017.0f, 19018.0f,
    20019.0f, 1020.0f, 2021.0f, 3022.0f, 4023.0f, 5024.0f, 6025.0f, 7026.0f, 8027.0f, 9028.0f,
    10029.0f, 11030.0f, 12031.0f, 13032.0f, 14033.0f, 15034.0f, 16035.0f, 17036.0f, 18037.0f,
    19038.0f, 20039.0f, 1040.0f, 2041.0f, 3042.0f, 4043.0f, 5044.0f, 6045.0f, 7046.0f, 8047.0f,
    9048.0f, 10049.0f, 11050.0f, 12051.0f, 13052.0f, 14053.0f, 15054.0f, 16055.0f, 17056.0f,
    18057.0f, 19058.0f, 20059.0f, 1060.0f, 2061.0f, 3062.0f, 4063.0f, 5064.0f, 6065.0f, 7066.0f,
    8067.0f, 9068.0f, 10069.0f, 11070.0f, 12071.0f, 13072.0f, 14073.0f, 15074.0f, 16075.0f,
    17076.0f, 18077.0f, 19078.0f, 20079.0f, 1080.0f, 2081.0f, 3082.0f, 4083.0f, 5084.0f, 6085.0f,
    7086.0f, 8087.0f, 9088.0f, 10089.0f, 11090.0f, 12091.0f, 13092.0f, 14093.0f, 15094.0f,
    16095.0f, 17096.0f, 18097.0f, 19098.0f, 20099.0f, 1100.0f, 2101.0f, 3102.0f, 4103.0f, 5104.0f,
    6105.0f, 7106.0f, 8107.0f, 9108.0f, 10109.0f, 11110.0f, 12111.0f, 13112.0f, 14113.0f,
    15114.0f, 16115.0f, 17116.0f, 18117.0f, 19118.0f, 20119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[3, 1, 1] axis=1 -> [2, 3, 4, 5] */
static const float want_add_y311_axis1[120] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 1005.0f, 1006.0f, 1007.0f, 1008.0f, 1009.0f,
    1010.0f, 1011.0f, 1012.0f, 1013.0f, 1014.0f, 1015.0f, 1016.0f, 1017.0f, 1018.0f, 1019.0f,
    2020.0f, 2021.0f, 2022.0f, 2023.0f, 2024.0f, 2025.0f, 2026.0f, 2027.0f, 2028.0f, 2029.0f,
    2030.0f, 2031.0f, 2032.0f, 2033.0f, 2034.0f, 2035.0f, 2036.0f, 2037.0f, 2038.0f, 2039.0f,
    3040.0f, 3041.0f, 3042.0f, 3043.0f, 3044.0f, 3045.0f, 3046.0f, 3047.0f, 3048.0f, 3049.0f,
    3050.0f, 3051.0f, 3052.0f, 3053.0f, 3054.0f, 3055.0f, 3056.0f, 3057.0f, 3058.0f, 3059.0f,
    1060.0f, 1061.0f, 1062.0f, 1063.0f, 1064.0f, 1065.0f, 1066.0f, 1067.0f, 1068.0f, 1069.0f,
    1070.0f, 1071.0f, 1072.0f, 1073.0f, 1074.0f, 1075.0f, 1076.0f, 1077.0f, 1078.0f, 1079.0f,
    2080.0f, 2081.0f, 2082.0f, 2083.0f, 2084.0f, 2085.0f, 2086.0f, 2087.0f, 2088.0f, 2089.0f,
    2090.0f, 2091.0f, 2092.0f, 2093.0f, 2094.0f, 2095.0f, 2096.0f, 2097.0f, 2098.0f, 2099.0f,
    3100.0f, 3101.0f, 3102.0f, 3103.0f, 3104.0f, 3105.0f, 3106.0f, 3107.0f, 3108.0f, 3109.0f,
    3110.0f, 3111.0f, 3112.0f, 3113.0f, 3114.0f, 3115.0f, 3116.0f, 3117.0f, 3118.0f, 3119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[1, 3, 1, 1] axis=-1 -> [2, 3, 4, 5] */
static const float want_add_y1311_axism1[120] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 1005.0f, 1006.0f, 1007.0f, 1008.0f, 1009.0f,
    1010.0f, 1011.0f, 1012.0f, 1013.0f, 1014.0f, 1015.0f, 1016.0f, 1017.0f, 1018.0f, 1019.0f,
    2020.0f, 2021.0f, 2022.0f, 2023.0f, 2024.0f, 2025.0f, 2026.0f, 2027.0f, 2028.0f, 2029.0f,
    2030.0f, 2031.0f, 2032.0f, 2033.0f, 2034.0f, 2035.0f, 2036.0f, 2037.0f, 2038.0f, 2039.0f,
    3040.0f, 3041.0f, 3042.0f, 3043.0f, 3044.0f, 3045.0f, 3046.0f, 3047.0f, 3048.0f, 3049.0f,
    3050.0f, 3051.0f, 3052.0f, 3053.0f, 3054.0f, 3055.0f, 3056.0f, 3057.0f, 3058.0f, 3059.0f,
    1060.0f, 1061.0f, 1062.0f, 1063.0f, 1064.0f, 1065.0f, 1066.0f, 1067.0f, 1068.0f, 1069.0f,
    1070.0f, 1071.0f, 1072.0f, 1073.0f, 1074.0f, 1075.0f, 1076.0f, 1077.0f, 1078.0f, 1079.0f,
    2080.0f, 2081.0f, 2082.0f, 2083.0f, 2084.0f, 2085.0f, 2086.0f, 2087.0f, 2088.0f, 2089.0f,
    2090.0f, 2091.0f, 2092.0f, 2093.0f, 2094.0f, 2095.0f, 2096.0f, 2097.0f, 2098.0f, 2099.0f,
    3100.0f, 3101.0f, 3102.0f, 3103.0f, 3104.0f, 3105.0f, 3106.0f, 3107.0f, 3108.0f, 3109.0f,
    3110.0f, 3111.0f, 3112.0f, 3113.0f, 3114.0f, 3115.0f, 3116.0f, 3117.0f, 3118.0f, 3119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[5, 1] axis=3 -> [2, 3, 4, 5] */
static const float want_add_y51_axis3[120] = {
    1000.0f, 2001.0f, 3002.0f, 4003.0f, 5004.0f, 1005.0f, 2006.0f, 3007.0f, 4008.0f, 5009.0f,
    1010.0f, 2011.0f, 3012.0f, 4013.0f, 5014.0f, 1015.0f, 2016.0f, 3017.0f, 4018.0f, 5019.0f,
    1020.0f, 2021.0f, 3022.0f, 4023.0f, 5024.0f, 1025.0f, 2026.0f, 3027.0f, 4028.0f, 5029.0f,
    1030.0f, 2031.0f, 3032.0f, 4033.0f, 5034.0f, 1035.0f, 2036.0f, 3037.0f, 4038.0f, 5039.0f,
    1040.0f, 2041.0f, 3042.0f, 4043.0f, 5044.0f, 1045.0f, 2046.0f, 3047.0f, 4048.0f, 5049.0f,
    1050.0f, 2051.0f, 3052.0f, 4053.0f, 5054.0f, 1055.0f, 2056.0f, 3057.0f, 4058.0f, 5059.0f,
    1060.0f, 2061.0f, 3062.0f, 4063.0f, 5064.0f, 1065.0f, 2066.0f, 3067.0f, 4068.0f, 5069.0f,
    1070.0f, 2071.0f, 3072.0f, 4073.0f, 5074.0f, 1075.0f, 2076.0f, 3077.0f, 4078.0f, 5079.0f,
    1080.0f, 2081.0f, 3082.0f, 4083.0f, 5084.0f, 1085.0f, 2086.0f, 3087.0f, 4088.0f, 5089.0f,
    1090.0f, 2091.0f, 3092.0f, 4093.0f, 5094.0f, 1095.0f, 2096.0f, 3097.0f, 4098.0f, 5099.0f,
    1100.0f, 2101.0f, 3102.0f, 4103.0f, 5104.0f, 1105.0f, 2106.0f, 3107.0f, 4108.0f, 5109.0f,
    1110.0f, 2111.0f, 3112.0f, 4113.0f, 5114.0f, 1115.0f, 2116.0f, 3117.0f, 4118.0f, 5119.0f,
};
/* paddle elementwise_add X[2,3,4,5] + Y[1] axis=-1 -> [2, 3, 4, 5] */
static const float want_add_y1_axism1[120] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 1005.0f, 1006.0f, 1007.0f, 1008.0f, 1009.0f,
    1010.0f, 1011.0f, 1012.0f, 1013.0f, 1014.0f, 1015.0f, 1016.0f, 1017.0f, 1018.0f, 1019.0f,
    1020.0f, 1021.0f, 1022.0f, 1023.0f, 1024.0f, 1025.0f, 1026.0f, 1027.0f, 1028.0f, 1029.0f,
    1030.0f, 1031.0f, 1032.0f, 1033.0f, 1034.0f, 1035.0f, 1036.0f, 1037.0f, 1038.0f, 1039.0f,
    1040.0f, 1041.0f, 1042.0f, 1043.0f, 1044.0f, 1045.0f, 1046.0f, 1047.0f, 1048.0f, 1049.0f,
    1050.0f, 1051.0f, 1052.0f, 1053.0f, 1054.0f, 1055.0f, 1056.0f, 1057.0f, 1058.0f, 1059.0f,
    1060.0f, 1061.0f, 1062.0f, 1063.0f, 1064.0f, 1065.0f, 1066.0f, 1067.0f, 1068.0f, 1069.0f,
    1070.0f, 1071.0f, 1072.0f, 1073.0f, 1074.0f, 1075.0f, 1076.0f, 1077.0f, 1078.0f, 1079.0f,
    1080.0f, 1081.0f, 1082.0f, 1083.0f, 1084.0f, 1085.0f, 1086.0f, 1087.0f, 1088.0f, 1089.0f,
    1090.0f, 1091.0f, 1092.0f, 1093.0f, 1094.0f, 1095.0f, 1096.0f, 1097.0f, 1098.0f, 1099.0f,
    1100.0f, 1101.0f, 1102.0f, 1103.0f, 1104.0f, 1105.0f, 1106.0f, 1107.0f, 1108.0f, 1109.0f,
    1110.0f, 1111.0f, 1112.0f, 1113.0f, 1114.0f, 1115.0f, 1116.0f, 1117.0f, 1118.0f, 1119.0f,
};
/* paddle elementwise_add X=arange[3] + Y[2, 3] (1000-steps) axis=-1 -> [2, 3] */
static const float want_add_x3_y23[6] = {
    1000.0f, 2001.0f, 3002.0f, 4000.0f, 5001.0f, 6002.0f,
};
/* paddle elementwise_add X=arange[2] + Y[2, 3] (1000-steps) axis=0 -> [2, 3] */
static const float want_add_x2_y23_axis0[6] = {
    1000.0f, 2000.0f, 3000.0f, 4001.0f, 5001.0f, 6001.0f,
};
/* paddle elementwise_add X=arange[2, 1, 4] + Y[3, 1] (1000-steps) axis=-1 -> [2, 3, 4] */
static const float want_add_x214_y31[24] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 2000.0f, 2001.0f, 2002.0f, 2003.0f, 3000.0f, 3001.0f,
    3002.0f, 3003.0f, 1004.0f, 1005.0f, 1006.0f, 1007.0f, 2004.0f, 2005.0f, 2006.0f, 2007.0f,
    3004.0f, 3005.0f, 3006.0f, 3007.0f,
};
/* paddle elementwise_add X=arange[2, 3] + Y[] (1000-steps) axis=-1 -> [2, 3] */
static const float want_add_x23_y1[6] = {
    1000.0f, 1001.0f, 1002.0f, 1003.0f, 1004.0f, 1005.0f,
};
static const float ops_x[12] = {
    -2.75f, -2.25f, -1.75f, -1.25f, -0.75f, -0.25f, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f,
};
static const float ops_y[3] = {
    1.5f, -0.75f, 2.0f,
};
/* paddle elementwise_sub ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_sub[12] = {
    -4.25f, -3.75f, -1.0f, -0.5f, -2.75f, -2.25f, -1.25f, -0.75f, 2.0f, 2.5f, 0.25f, 0.75f,
};
/* paddle elementwise_mul ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_mul[12] = {
    -4.125f, -3.375f, 1.3125f, 0.9375f, -1.5f, -0.5f, 0.375f, 1.125f, -0.9375f, -1.3125f, 4.5f,
    5.5f,
};
/* paddle elementwise_div ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_div[12] = {
    -1.83333337f, -1.5f, 2.33333325f, 1.66666663f, -0.375f, -0.125f, 0.166666672f, 0.5f,
    -1.66666663f, -2.33333325f, 1.125f, 1.375f,
};
/* paddle elementwise_max ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_max[12] = {
    1.5f, 1.5f, -0.75f, -0.75f, 2.0f, 2.0f, 1.5f, 1.5f, 1.25f, 1.75f, 2.25f, 2.75f,
};
/* paddle elementwise_min ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_min[12] = {
    -2.75f, -2.25f, -1.75f, -1.25f, -0.75f, -0.25f, 0.25f, 0.75f, -0.75f, -0.75f, 2.0f, 2.0f,
};
/* paddle elementwise_floordiv ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_floordiv[12] = {
    -2.0f, -2.0f, 2.0f, 1.0f, -1.0f, -1.0f, 0.0f, 0.0f, -2.0f, -3.0f, 1.0f, 1.0f,
};
/* paddle elementwise_mod ops_x[2,3,2] with ops_y[3] axis=1 */
static const float want_f32_mod[12] = {
    0.25f, 0.75f, -0.25f, -0.5f, 1.25f, 1.75f, 0.25f, 0.75f, -0.25f, -0.5f, 0.25f, 0.75f,
};
/* paddle elementwise_pow (|ops_x| + 0.25) with ops_y axis=1 */
static const float want_f32_pow[12] = {
    5.19615221f, 3.952847f, 0.594603539f, 0.737787962f, 1.0f, 0.25f, 0.353553385f, 1.0f,
    0.737787962f, 0.594603539f, 6.25f, 9.0f,
};
/* paddle elementwise_max [nan,1,2,nan] vs [1,nan,1,nan] */
static const float want_nan_max[4] = {
    NAN, NAN, 2.0f, NAN,
};
/* paddle elementwise_min [nan,1,2,nan] vs [1,nan,1,nan] */
static const float want_nan_min[4] = {
    NAN, NAN, 1.0f, NAN,
};
static const int64_t int_a[12] = {
    7LL, -7LL, 7LL, -7LL, 0LL, 5LL, 2LL, -3LL, 9LL, -9LL, 100LL, -100LL,
};
static const int64_t int_b[12] = {
    2LL, 2LL, -2LL, -2LL, 3LL, -3LL, 10LL, 3LL, 4LL, 4LL, -7LL, 7LL,
};
/* paddle elementwise_add int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_add[12] = {
    9LL, -5LL, 5LL, -9LL, 3LL, 2LL, 12LL, 0LL, 13LL, -5LL, 93LL, -93LL,
};
/* paddle elementwise_sub int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_sub[12] = {
    5LL, -9LL, 9LL, -5LL, -3LL, 8LL, -8LL, -6LL, 5LL, -13LL, 107LL, -107LL,
};
/* paddle elementwise_mul int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_mul[12] = {
    14LL, -14LL, -14LL, 14LL, 0LL, -15LL, 20LL, -9LL, 36LL, -36LL, -700LL, -700LL,
};
/* paddle elementwise_div int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_div[12] = {
    3LL, -3LL, -3LL, 3LL, 0LL, -1LL, 0LL, -1LL, 2LL, -2LL, -14LL, -14LL,
};
/* paddle elementwise_floordiv int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_floordiv[12] = {
    3LL, -4LL, -4LL, 3LL, 0LL, -2LL, 0LL, -1LL, 2LL, -3LL, -15LL, -15LL,
};
/* paddle elementwise_mod int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_mod[12] = {
    1LL, 1LL, -1LL, -1LL, 0LL, -1LL, 2LL, 0LL, 1LL, 3LL, -5LL, 5LL,
};
/* paddle elementwise_max int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_max[12] = {
    7LL, 2LL, 7LL, -2LL, 3LL, 5LL, 10LL, 3LL, 9LL, 4LL, 100LL, 7LL,
};
/* paddle elementwise_min int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_min[12] = {
    2LL, -7LL, -2LL, -7LL, 0LL, -3LL, 2LL, -3LL, 4LL, -9LL, -7LL, -100LL,
};
/* paddle elementwise_pow int_a vs int_b, int64 (int32 gives the same) */
static const int64_t want_i64_pow[12] = {
    49LL, 49LL, 0LL, 0LL, 0LL, 0LL, 1024LL, -27LL, 6561LL, 6561LL, 0LL, -100000000000000LL,
};
static const int64_t pow_a[8] = {
    2LL, 3LL, -2LL, 0LL, 2LL, 10LL, 3LL, 0LL,
};
static const int64_t pow_b[8] = {
    3LL, -1LL, 3LL, 0LL, 62LL, 30LL, 39LL, -2LL,
};
/* paddle elementwise_pow int64 pow_a, pow_b (double pow, x86 conversion) */
static const int64_t want_i64_pow_big[8] = {
    8LL, 0LL, -8LL, 1LL, 4611686018427387904LL, INT64_MIN, 4052555153018976256LL, 0LL,
};
static const int32_t pow_b32[8] = {
    3, -1, 3, 0, 40, 30, 19, -2,
};
/* paddle elementwise_pow int32 pow_a, pow_b32 */
static const int32_t want_i32_pow_big[8] = {
    8, 0, -8, 1, INT32_MIN, INT32_MIN, 1162261467, 0,
};
/* paddle elementwise_mul int64 [[1,2,3],[4,5,6]] * [[10],[-20]] */
static const int64_t want_i64_mul_bcast[6] = {
    10LL, 20LL, 30LL, -80LL, -100LL, -120LL,
};
/* paddle elementwise_add int64 [[1,2,3],[4,5,6]] + [100,200] axis=0 */
static const int64_t want_i64_add_axis0[6] = {
    101LL, 102LL, 103LL, 204LL, 205LL, 206LL,
};

/* ---- legacy axis cases ---------------------------------------------------- */

typedef struct axis_case {
    int xrank;
    int64_t xdims[4];
    int yrank;
    int64_t ydims[4];
    int axis;
    int orank;
    int64_t odims[4];
    const float *want;
} axis_case;

static void test_axis_cases(void)
{
    pds_error err, *ep = &err;
    const axis_case cases[] = {
        /* conv bias before Paddle 2.5: Y[C] at axis 1 */
        {4, {2, 3, 4, 5}, 1, {3}, 1, 4, {2, 3, 4, 5}, want_add_y3_axis1},
        {4, {2, 3, 4, 5}, 2, {3, 4}, 1, 4, {2, 3, 4, 5}, want_add_y34_axis1},
        {4, {2, 3, 4, 5}, 2, {4, 5}, -1, 4, {2, 3, 4, 5}, want_add_y45_axism1},
        /* trailing 1s of Y are dropped before alignment */
        {4, {2, 3, 4, 5}, 3, {3, 1, 1}, 1, 4, {2, 3, 4, 5}, want_add_y311_axis1},
        /* PaddleX exports: reshape2(bias, [1,C,1,1]) + axis -1 */
        {4, {2, 3, 4, 5}, 4, {1, 3, 1, 1}, -1, 4, {2, 3, 4, 5}, want_add_y1311_axism1},
        /* Y[5,1] at axis 3 only fits once its trailing 1 is dropped */
        {4, {2, 3, 4, 5}, 2, {5, 1}, 3, 4, {2, 3, 4, 5}, want_add_y51_axis3},
        {4, {2, 3, 4, 5}, 1, {1}, -1, 4, {2, 3, 4, 5}, want_add_y1_axism1},
        /* X is the smaller operand and broadcasts */
        {1, {3}, 2, {2, 3}, -1, 2, {2, 3}, want_add_x3_y23},
        {1, {2}, 2, {2, 3}, 0, 2, {2, 3}, want_add_x2_y23_axis0},
        /* both broadcast */
        {3, {2, 1, 4}, 2, {3, 1}, -1, 3, {2, 3, 4}, want_add_x214_y31},
        /* 0-D Y */
        {2, {2, 3}, 0, {0}, -1, 2, {2, 3}, want_add_x23_y1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const axis_case *k = &cases[c];
        pdsi_tensor *x = arange_f32(k->xrank, k->xdims, 1.0f, 0.0f);
        pdsi_tensor *y = arange_f32(k->yrank, k->ydims, 1000.0f, 1000.0f);
        pdsi_tensor *o = pdst_out();
        CHECK_OK(run2("elementwise_add", k->axis, true, x, y, o, &err), ep);
        if (!pdst_same_dims(o, k->orank, k->odims))
            PDST_FAIL("case %zu: output has rank %d, dims[0] %lld", c, o->rank,
                      (long long)o->dims[0]);
        else if (pdst_check_close("axis case", o->data, k->want, (long)pdsi_tensor_numel(o), 0, 0))
            fprintf(stderr, "  (case %zu)\n", c);
        pdst_tensor_free(x);
        pdst_tensor_free(y);
        pdst_tensor_free(o);
    }
    /* Without the attribute the default axis is -1. */
    const int64_t xd[4] = {2, 3, 4, 5}, yd[2] = {4, 5};
    pdsi_tensor *x = arange_f32(4, xd, 1.0f, 0.0f), *y = arange_f32(2, yd, 1000.0f, 1000.0f);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(run2("elementwise_add", 0, false, x, y, o, &err), ep);
    pdst_check_close("default axis", o->data, want_add_y45_axism1, 120, 0, 0);
    pdst_tensor_free(x);
    pdst_tensor_free(y);
    pdst_tensor_free(o);
}

/* ---- every operator ------------------------------------------------------- */

static void test_float_ops(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[3] = {2, 3, 2}, yd[1] = {3};
    struct {
        const char *op;
        const float *want;
    } cases[] = {
        {"elementwise_sub", want_f32_sub},           {"elementwise_mul", want_f32_mul},
        {"elementwise_div", want_f32_div},           {"elementwise_max", want_f32_max},
        {"elementwise_min", want_f32_min},           {"elementwise_floordiv", want_f32_floordiv},
        {"elementwise_mod", want_f32_mod},
    };
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 3, xd, ops_x);
    pdsi_tensor *y = pdst_tensor(PDS_FLOAT32, 1, yd, ops_y);
    pdsi_tensor *o = pdst_out();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        CHECK_OK(run2(cases[c].op, 1, true, x, y, o, &err), ep);
        pdst_check_close(cases[c].op, o->data, cases[c].want, 12, PDST_ATOL, PDST_RTOL);
    }
    float xp[12];
    for (int i = 0; i < 12; i++)
        xp[i] = fabsf(ops_x[i]) + 0.25f;
    pdsi_tensor *xpt = pdst_tensor(PDS_FLOAT32, 3, xd, xp);
    CHECK_OK(run2("elementwise_pow", 1, true, xpt, y, o, &err), ep);
    pdst_check_close("pow", o->data, want_f32_pow, 12, PDST_ATOL, PDST_RTOL);

    /* NaN propagates through max and min from either side, as in Paddle. */
    const int64_t d4[1] = {4};
    const float xn[4] = {NAN, 1, 2, NAN}, yn[4] = {1, NAN, 1, NAN};
    pdsi_tensor *a = pdst_tensor(PDS_FLOAT32, 1, d4, xn), *b = pdst_tensor(PDS_FLOAT32, 1, d4, yn);
    CHECK_OK(run2("elementwise_max", -1, true, a, b, o, &err), ep);
    const float *r = o->data;
    CHECK(isnan(r[0]) && isnan(r[1]) && r[2] == want_nan_max[2] && isnan(r[3]));
    CHECK_OK(run2("elementwise_min", -1, true, a, b, o, &err), ep);
    r = o->data;
    CHECK(isnan(r[0]) && isnan(r[1]) && r[2] == want_nan_min[2] && isnan(r[3]));

    /* Float division by zero is IEEE, not an error. */
    const float z[4] = {0, 0, 0, 0}, n[4] = {1, -1, 0, 2};
    pdsi_tensor *tz = pdst_tensor(PDS_FLOAT32, 1, d4, z), *tn = pdst_tensor(PDS_FLOAT32, 1, d4, n);
    CHECK_OK(run2("elementwise_div", -1, true, tn, tz, o, &err), ep);
    r = o->data;
    CHECK(isinf(r[0]) && r[0] > 0 && isinf(r[1]) && r[1] < 0 && isnan(r[2]));
    CHECK_OK(run2("elementwise_floordiv", -1, true, tn, tz, o, &err), ep);
    r = o->data;
    CHECK(isinf(r[0]) && isnan(r[2]));

    pdst_tensor_free(x);
    pdst_tensor_free(xpt);
    pdst_tensor_free(y);
    pdst_tensor_free(a);
    pdst_tensor_free(b);
    pdst_tensor_free(tz);
    pdst_tensor_free(tn);
    pdst_tensor_free(o);
}

static void test_int_ops(void)
{
    pds_error err, *ep = &err;
    const int64_t d12[1] = {12};
    struct {
        const char *op;
        const int64_t *want;
    } cases[] = {
        {"elementwise_add", want_i64_add},           {"elementwise_sub", want_i64_sub},
        {"elementwise_mul", want_i64_mul},           {"elementwise_div", want_i64_div},
        {"elementwise_floordiv", want_i64_floordiv}, {"elementwise_mod", want_i64_mod},
        {"elementwise_max", want_i64_max},           {"elementwise_min", want_i64_min},
        {"elementwise_pow", want_i64_pow},
    };
    int32_t a32[12], b32[12];
    for (int i = 0; i < 12; i++) {
        a32[i] = (int32_t)int_a[i];
        b32[i] = (int32_t)int_b[i];
    }
    pdsi_tensor *a = pdst_tensor(PDS_INT64, 1, d12, int_a);
    pdsi_tensor *b = pdst_tensor(PDS_INT64, 1, d12, int_b);
    pdsi_tensor *a3 = pdst_tensor(PDS_INT32, 1, d12, a32);
    pdsi_tensor *b3 = pdst_tensor(PDS_INT32, 1, d12, b32);
    pdsi_tensor *o = pdst_out();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        CHECK_OK(run2(cases[c].op, -1, true, a, b, o, &err), ep);
        CHECK_EQ_INT(o->dtype, PDS_INT64);
        for (int i = 0; i < 12; i++)
            if (((int64_t *)o->data)[i] != cases[c].want[i])
                PDST_FAIL("%s int64 [%d]: got %lld, want %lld", cases[c].op, i,
                          (long long)((int64_t *)o->data)[i], (long long)cases[c].want[i]);
        CHECK_OK(run2(cases[c].op, -1, true, a3, b3, o, &err), ep);
        CHECK_EQ_INT(o->dtype, PDS_INT32);
        for (int i = 0; i < 12; i++) {
            /* every int64 result fits int32 except -100^7, which pow turns
             * into INT32_MIN on int32 (Paddle checked) */
            int64_t w = cases[c].want[i];
            int32_t w32 = (w < INT32_MIN || w > INT32_MAX) ? INT32_MIN : (int32_t)w;
            if (((int32_t *)o->data)[i] != w32)
                PDST_FAIL("%s int32 [%d]: got %d, want %d", cases[c].op, i,
                          ((int32_t *)o->data)[i], w32);
        }
    }

    /* pow through double, with x86's conversion of out-of-range results */
    const int64_t d8[1] = {8};
    int32_t pa32[8];
    for (int i = 0; i < 8; i++)
        pa32[i] = (int32_t)pow_a[i];
    pdsi_tensor *pa = pdst_tensor(PDS_INT64, 1, d8, pow_a);
    pdsi_tensor *pb = pdst_tensor(PDS_INT64, 1, d8, pow_b);
    CHECK_OK(run2("elementwise_pow", -1, true, pa, pb, o, &err), ep);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(((int64_t *)o->data)[i], want_i64_pow_big[i]);
    pdst_tensor_free(pa);
    pdst_tensor_free(pb);
    pa = pdst_tensor(PDS_INT32, 1, d8, pa32);
    pb = pdst_tensor(PDS_INT32, 1, d8, pow_b32);
    CHECK_OK(run2("elementwise_pow", -1, true, pa, pb, o, &err), ep);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(((int32_t *)o->data)[i], want_i32_pow_big[i]);

    /* Overflowing cases C would trap on: wrap like Paddle's hardware. */
    const int64_t mn[3] = {INT64_MIN, INT64_MAX, INT64_MIN}, m1[3] = {-1, 1, -1};
    const int64_t d3[1] = {3};
    pdsi_tensor *tm = pdst_tensor(PDS_INT64, 1, d3, mn), *t1 = pdst_tensor(PDS_INT64, 1, d3, m1);
    CHECK_OK(run2("elementwise_div", -1, true, tm, t1, o, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], INT64_MIN);
    CHECK_OK(run2("elementwise_mod", -1, true, tm, t1, o, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], 0);
    CHECK_OK(run2("elementwise_floordiv", -1, true, tm, t1, o, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], INT64_MIN);
    CHECK_OK(run2("elementwise_add", -1, true, tm, t1, o, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], INT64_MAX);
    CHECK_EQ_INT(((int64_t *)o->data)[1], INT64_MIN);
    CHECK_OK(run2("elementwise_mul", -1, true, tm, t1, o, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], INT64_MIN);

    /* int64 shape arithmetic with broadcasting */
    const int64_t d23[2] = {2, 3}, d21[2] = {2, 1}, d2[1] = {2};
    const int64_t xi[6] = {1, 2, 3, 4, 5, 6}, yi[2] = {10, -20}, yj[2] = {100, 200};
    pdsi_tensor *txi = pdst_tensor(PDS_INT64, 2, d23, xi);
    pdsi_tensor *tyi = pdst_tensor(PDS_INT64, 2, d21, yi);
    pdsi_tensor *tyj = pdst_tensor(PDS_INT64, 1, d2, yj);
    CHECK_OK(run2("elementwise_mul", -1, true, txi, tyi, o, &err), ep);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(((int64_t *)o->data)[i], want_i64_mul_bcast[i]);
    CHECK_OK(run2("elementwise_add", 0, true, txi, tyj, o, &err), ep);
    CHECK(pdst_same_dims(o, 2, d23));
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(((int64_t *)o->data)[i], want_i64_add_axis0[i]);

    pdst_tensor_free(a);
    pdst_tensor_free(b);
    pdst_tensor_free(a3);
    pdst_tensor_free(b3);
    pdst_tensor_free(pa);
    pdst_tensor_free(pb);
    pdst_tensor_free(tm);
    pdst_tensor_free(t1);
    pdst_tensor_free(txi);
    pdst_tensor_free(tyi);
    pdst_tensor_free(tyj);
    pdst_tensor_free(o);
}

/* ---- random broadcasts against a naive loop ------------------------------- */

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* Independent reference: numpy broadcasting (axis -1) with X and Y right-
 * aligned, each output element computed from its own multi-index. */
static void naive_sub(const pdsi_tensor *x, const pdsi_tensor *y, float *o, int orank,
                      const int64_t *od)
{
    int64_t n = 1;
    for (int i = 0; i < orank; i++)
        n *= od[i];
    for (int64_t flat = 0; flat < n; flat++) {
        int64_t idx[PDSI_MAX_RANK], rem = flat;
        for (int i = orank - 1; i >= 0; i--) {
            idx[i] = rem % od[i];
            rem /= od[i];
        }
        int64_t xi = 0, yi = 0;
        for (int i = 0; i < x->rank; i++) {
            int64_t d = x->dims[i], k = idx[orank - x->rank + i];
            xi = xi * d + (d == 1 ? 0 : k);
        }
        for (int i = 0; i < y->rank; i++) {
            int64_t d = y->dims[i], k = idx[orank - y->rank + i];
            yi = yi * d + (d == 1 ? 0 : k);
        }
        o[flat] = ((const float *)x->data)[xi] - ((const float *)y->data)[yi];
    }
}

static void test_random_broadcasts(void)
{
    pds_error err, *ep = &err;
    for (int iter = 0; iter < 200; iter++) {
        int orank = 1 + (int)(rnd() % 6);
        int64_t od[PDSI_MAX_RANK], xd[PDSI_MAX_RANK], yd[PDSI_MAX_RANK];
        for (int i = 0; i < orank; i++)
            od[i] = 1 + rnd() % 4;
        int xr = 1 + (int)(rnd() % orank), yr = 1 + (int)(rnd() % orank);
        if (rnd() % 2)
            xr = orank;
        else
            yr = orank;
        for (int i = 0; i < xr; i++)
            xd[i] = rnd() % 3 == 0 ? 1 : od[orank - xr + i];
        for (int i = 0; i < yr; i++)
            yd[i] = rnd() % 3 == 0 ? 1 : od[orank - yr + i];
        /* The real output dim is 1 where both operands have 1. */
        int64_t want_d[PDSI_MAX_RANK];
        for (int i = 0; i < orank; i++) {
            int xi = i - (orank - xr), yi = i - (orank - yr);
            int64_t a = xi >= 0 ? xd[xi] : 1, b = yi >= 0 ? yd[yi] : 1;
            want_d[i] = a > b ? a : b;
        }
        pdsi_tensor *x = arange_f32(xr, xd, 0.5f, -3.0f);
        pdsi_tensor *y = arange_f32(yr, yd, -0.25f, 7.0f);
        pdsi_tensor *o = pdst_out();
        CHECK_OK(run2("elementwise_sub", -1, true, x, y, o, &err), ep);
        if (!pdst_same_dims(o, orank, want_d)) {
            PDST_FAIL("iteration %d: wrong output shape", iter);
        } else {
            int64_t n = pdsi_tensor_numel(o);
            float *want = malloc((size_t)n * sizeof(float) + 1);
            naive_sub(x, y, want, orank, want_d);
            if (pdst_check_close("random broadcast", o->data, want, (long)n, 0, 0)) {
                char bx[64], by[64];
                fprintf(stderr, "  X %s Y %s\n", pdsi_dims_str(xd, xr, bx, sizeof bx),
                        pdsi_dims_str(yd, yr, by, sizeof by));
            }
            free(want);
        }
        pdst_tensor_free(x);
        pdst_tensor_free(y);
        pdst_tensor_free(o);
    }
}

/* ---- shapes, aliasing ----------------------------------------------------- */

static void test_in_place_and_empty(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[4] = {2, 3, 4, 5}, yd[1] = {3};
    pdsi_tensor *x = arange_f32(4, xd, 1.0f, 0.0f), *y = arange_f32(1, yd, 1000.0f, 1000.0f);
    CHECK_OK(run2("elementwise_add", 1, true, x, y, x, &err), ep);
    pdst_check_close("in place", x->data, want_add_y3_axis1, 120, 0, 0);
    pdst_tensor_free(x);

    const int64_t ed[3] = {2, 0, 3};
    pdsi_tensor *e = pdst_tensor(PDS_FLOAT32, 3, ed, NULL);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(run2("elementwise_mul", -1, true, e, y, o, &err), ep);
    CHECK(pdst_same_dims(o, 3, ed));
    /* a size-0 dim against a 1 gives 0; against 3 it does not broadcast */
    const int64_t d1[1] = {1}, d0[1] = {0};
    pdsi_tensor *one = pdst_tensor(PDS_FLOAT32, 1, d1, NULL);
    pdsi_tensor *zero = pdst_tensor(PDS_FLOAT32, 1, d0, NULL);
    CHECK_OK(run2("elementwise_add", -1, true, zero, one, o, &err), ep);
    CHECK(pdst_same_dims(o, 1, d0));
    CHECK_STATUS(run2("elementwise_add", -1, true, zero, y, o, &err), PDS_ERR_SHAPE, ep);
    /* int division by zero is not checked when nothing is computed */
    pdsi_tensor *iz = pdst_tensor(PDS_INT64, 1, d0, NULL);
    pdsi_tensor *i1 = pdst_tensor(PDS_INT64, 1, d1, NULL);
    CHECK_OK(run2("elementwise_div", -1, true, iz, i1, o, &err), ep);
    pdst_tensor_free(e);
    pdst_tensor_free(y);
    pdst_tensor_free(one);
    pdst_tensor_free(zero);
    pdst_tensor_free(iz);
    pdst_tensor_free(i1);
    pdst_tensor_free(o);
}

/* ---- errors --------------------------------------------------------------- */

static void test_errors(void)
{
    pds_error err, *ep = &err;
    const int64_t d23[2] = {2, 3}, d4[1] = {4}, d34[2] = {3, 4}, d3[1] = {3};
    pdsi_tensor *x = arange_f32(2, d23, 1.0f, 0.0f);
    pdsi_tensor *y4 = arange_f32(1, d4, 1.0f, 0.0f);
    pdsi_tensor *y34 = arange_f32(2, d34, 1.0f, 0.0f);
    pdsi_tensor *y3 = arange_f32(1, d3, 1.0f, 0.0f);
    pdsi_tensor *o = pdst_out();

    /* M11: incompatible dims, both shapes in the message */
    CHECK_STATUS(run2("elementwise_add", -1, true, x, y4, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3]");
    CHECK_MSG(err, "[4]");
    CHECK_STATUS(run2("elementwise_mul", 0, true, x, y3, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3]");
    CHECK_MSG(err, "[3]");
    /* Y extends past X's last dim */
    CHECK_STATUS(run2("elementwise_add", 1, true, x, y34, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[3,4]");
    /* axis out of range, negative axes other than -1, equal ranks with axis 1 */
    CHECK_STATUS(run2("elementwise_add", 2, true, x, y3, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run2("elementwise_add", -2, true, x, y3, o, &err), PDS_ERR_SHAPE, ep);
    const int64_t d13[2] = {1, 3};
    pdsi_tensor *y13 = arange_f32(2, d13, 1.0f, 0.0f);
    CHECK_STATUS(run2("elementwise_add", 1, true, x, y13, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_OK(run2("elementwise_add", 0, true, x, y13, o, &err), ep);
    /* identical shapes never broadcast, so any axis is accepted, as in Paddle */
    CHECK_OK(run2("elementwise_add", -2, true, x, x, o, &err), ep);
    CHECK_OK(run2("elementwise_add", 1, true, x, x, o, &err), ep);

    /* M10: dtypes */
    pdsi_tensor *h = pdst_tensor(PDS_FLOAT16, 2, d23, NULL);
    pdsi_tensor *i64 = pdst_tensor(PDS_INT64, 2, d23, NULL);
    pdsi_tensor *i32 = pdst_tensor(PDS_INT32, 2, d23, NULL);
    CHECK_STATUS(run2("elementwise_add", -1, true, h, h, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "float16");
    CHECK_STATUS(run2("elementwise_add", -1, true, x, i64, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_STATUS(run2("elementwise_add", -1, true, i32, i64, o, &err), PDS_ERR_DTYPE, ep);

    /* integer division by zero is an error, as in Paddle, never a trap */
    const int64_t ones[6] = {1, 2, 3, 4, 5, 6};
    pdsi_tensor *num = pdst_tensor(PDS_INT64, 2, d23, ones);
    CHECK_STATUS(run2("elementwise_div", -1, true, num, i64, o, &err), PDS_ERR_INVALID_ARGUMENT,
                 ep);
    CHECK_STATUS(run2("elementwise_floordiv", -1, true, num, i64, o, &err),
                 PDS_ERR_INVALID_ARGUMENT, ep);
    CHECK_STATUS(run2("elementwise_mod", -1, true, num, i64, o, &err), PDS_ERR_INVALID_ARGUMENT,
                 ep);
    CHECK_STATUS(run2("elementwise_div", -1, true, i32, i32, o, &err), PDS_ERR_INVALID_ARGUMENT,
                 ep);
    CHECK_MSG(err, "division by zero");

    /* attributes */
    pdsi_tensor *ti[2] = {x, y3}, *to[1] = {o};
    pdsi_slot in[PDSI_MAX_SLOTS] = {{&ti[0], 1}, {&ti[1], 1}}, out[PDSI_MAX_SLOTS] = {{&to[0], 1}};
    pdsi_attr a = pdst_attr_str("axis", "1");
    CHECK_STATUS(pdst_run_op("elementwise_add", &a, 1, in, out, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "axis");
    a = pdst_attr_int("axis", 1LL << 40);
    CHECK_STATUS(pdst_run_op("elementwise_add", &a, 1, in, out, &err), PDS_ERR_MODEL_FORMAT, ep);

    pdst_tensor_free(x);
    pdst_tensor_free(y4);
    pdst_tensor_free(y34);
    pdst_tensor_free(y3);
    pdst_tensor_free(y13);
    pdst_tensor_free(h);
    pdst_tensor_free(i64);
    pdst_tensor_free(i32);
    pdst_tensor_free(num);
    pdst_tensor_free(o);
}

/* ---- comparisons, logical operators, where (issue 12) ------------------------ */

static void check_bools(const pdsi_tensor *o, int rank, const int64_t *dims, const char *want)
{
    if (!pdst_check_shape_(__FILE__, __LINE__, o, PDS_BOOL, rank, dims))
        return;
    const uint8_t *v = o->data;
    for (int64_t i = 0; i < pdsi_tensor_numel(o); i++)
        if (v[i] != (uint8_t)(want[i] - '0')) {
            PDST_FAIL("element %lld is %d, expected %c", (long long)i, v[i], want[i]);
            return;
        }
}

static void test_compare(void)
{
    pds_error err, *ep = &err;
    const int64_t d23[2] = {2, 3}, d3[1] = {3}, d2[1] = {2};
    const float xv[6] = {1, 2, 3, 4, NAN, -1}, yv[3] = {2, 2, NAN};
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 2, d23, xv), *y = pdst_mk(PDS_FLOAT32, 1, d3, yv);
    pdsi_tensor *o = pdst_mk_out();
    /* numpy broadcasting: [2,3] against [3]; NaN compares unequal to all */
    const char *want[6] = {"010000", "101111", "100000", "110000", "000100", "010100"};
    const char *types[6] = {"equal", "not_equal", "less_than", "less_equal", "greater_than",
                            "greater_equal"};
    for (int k = 0; k < 6; k++) {
        CHECK_OK(run2(types[k], -1, true, x, y, o, &err), ep);
        check_bools(o, 2, d23, want[k]);
    }
    /* legacy axis: Y[2] at axis 0 of X[2,3] */
    const int64_t iv[6] = {5, 6, 7, 8, 9, 7}, jv[2] = {6, 7};
    pdsi_tensor *i = pdst_mk(PDS_INT64, 2, d23, iv), *j = pdst_mk(PDS_INT64, 1, d2, jv);
    CHECK_OK(run2("greater_equal", 0, true, i, j, o, &err), ep);
    check_bools(o, 2, d23, "011111");
    /* logical operators: non-zero is true, any comparison dtype */
    const int32_t av[6] = {0, 1, -3, 0, 2, 0}, bv[3] = {0, 5, 0};
    pdsi_tensor *a = pdst_mk(PDS_INT32, 2, d23, av), *b = pdst_mk(PDS_INT32, 1, d3, bv);
    CHECK_OK(run2("logical_and", 0, false, a, b, o, &err), ep);
    check_bools(o, 2, d23, "010010");
    CHECK_OK(run2("logical_or", 0, false, a, b, o, &err), ep);
    check_bools(o, 2, d23, "011010");
    CHECK_OK(run2("logical_xor", 0, false, a, b, o, &err), ep);
    check_bools(o, 2, d23, "001000");
    pdsi_tensor *na[1] = {a}, *no[1] = {o};
    CHECK_OK(pdst_run_op1("logical_not", NULL, 0, na, 1, no, 1, &err), ep);
    check_bools(o, 2, d23, "100101");
    const uint8_t cb[6] = {1, 0, 1, 0, 1, 1}, cb3[3] = {1, 1, 0};
    pdsi_tensor *c = pdst_mk(PDS_BOOL, 2, d23, cb), *c3 = pdst_mk(PDS_BOOL, 1, d3, cb3);
    CHECK_OK(run2("logical_xor", -1, false, c, c3, o, &err), ep);
    check_bools(o, 2, d23, "011101");

    /* M10: mixed dtypes, unsupported dtypes */
    CHECK_STATUS(run2("equal", -1, true, x, i, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "input 'Y' is int64, expected float32");
    pdsi_tensor *h = pdst_mk(PDS_FLOAT16, 1, d3, NULL);
    CHECK_STATUS(run2("less_than", -1, true, h, h, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "float16");
    /* M11: shapes that do not broadcast */
    pdsi_tensor *y2 = pdst_mk(PDS_FLOAT32, 1, d2, NULL);
    CHECK_STATUS(run2("equal", -1, true, x, y2, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3]");
}

/* bitwise_and (RT-DETR's anchor mask is one, of bools). Values: paddle
 * 3.3.1, paddle.bitwise_and on the same inputs. */
static void test_bitwise_and(void)
{
    pds_error err, *ep = &err;
    const int64_t d23[2] = {2, 3}, d3[1] = {3}, d2[1] = {2};
    pdsi_tensor *o = pdst_mk_out();
    /* bool, numpy broadcasting [2,3] & [3] */
    const uint8_t cb[6] = {1, 0, 1, 0, 1, 1}, cb3[3] = {1, 1, 0};
    pdsi_tensor *c = pdst_mk(PDS_BOOL, 2, d23, cb), *c3 = pdst_mk(PDS_BOOL, 1, d3, cb3);
    CHECK_OK(run2("bitwise_and", 0, false, c, c3, o, &err), ep);
    check_bools(o, 2, d23, "100010");
    /* int32: two's complement bits, the dtype is kept */
    const int32_t av[6] = {-6, 5, 1023, -1, 0, 7}, bv[3] = {5, -3, 512};
    pdsi_tensor *a = pdst_mk(PDS_INT32, 2, d23, av), *b = pdst_mk(PDS_INT32, 1, d3, bv);
    o = pdst_mk_out();
    CHECK_OK(run2("bitwise_and", 0, false, a, b, o, &err), ep);
    if (CHECK_SHAPE(o, PDS_INT32, 2, d23)) {
        const int32_t want[6] = {0, 5, 512, 5, 0, 0};
        CHECK(memcmp(o->data, want, sizeof want) == 0);
    }
    /* int64 beyond 32 bits */
    const int64_t iv[2] = {-(1LL << 40) - 6, (1LL << 40) + 5}, jv[2] = {-1, (1LL << 40) + 1};
    pdsi_tensor *i = pdst_mk(PDS_INT64, 1, d2, iv), *j = pdst_mk(PDS_INT64, 1, d2, jv);
    o = pdst_mk_out();
    CHECK_OK(run2("bitwise_and", 0, false, i, j, o, &err), ep);
    if (CHECK_SHAPE(o, PDS_INT64, 1, d2)) {
        const int64_t want[2] = {-1099511627782LL, 1099511627777LL};
        CHECK(memcmp(o->data, want, sizeof want) == 0);
    }
    /* M10: float and mixed dtypes are refused; M11: shapes that do not broadcast */
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 1, d3, NULL);
    CHECK_STATUS(run2("bitwise_and", 0, false, x, x, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "input 'X' is float32, expected bool, int32 or int64");
    CHECK_STATUS(run2("bitwise_and", 0, false, a, i, o, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "input 'Y' is int64, expected int32 like input 'X'");
    pdsi_tensor *b2 = pdst_mk(PDS_INT32, 1, d2, NULL);
    CHECK_STATUS(run2("bitwise_and", 0, false, a, b2, o, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3]");
}

static void test_where(void)
{
    pds_error err, *ep = &err;
    /* Condition [2,1], X [3], Y [2,3]: all three broadcast to [2,3] */
    const int64_t d21[2] = {2, 1}, d3[1] = {3}, d23[2] = {2, 3};
    const uint8_t cv[2] = {1, 0};
    const int64_t xv[3] = {1, 2, 3}, yv[6] = {-1, -2, -3, -4, -5, -6};
    pdsi_tensor *c = pdst_mk(PDS_BOOL, 2, d21, cv), *x = pdst_mk(PDS_INT64, 1, d3, xv);
    pdsi_tensor *y = pdst_mk(PDS_INT64, 2, d23, yv), *o = pdst_mk_out();
    pdsi_tensor *ins[3] = {c, x, y}, *outs[1] = {o};
    CHECK_OK(pdst_run_op1("where", NULL, 0, ins, 3, outs, 1, &err), ep);
    if (pdst_check_shape_(__FILE__, __LINE__, o, PDS_INT64, 2, d23)) {
        const int64_t want[6] = {1, 2, 3, -4, -5, -6};
        CHECK(memcmp(o->data, want, sizeof want) == 0);
    }
    /* M10: Condition must be bool, X and Y one dtype */
    pdsi_tensor *cf = pdst_mk(PDS_FLOAT32, 2, d21, NULL);
    pdsi_tensor *bad[3] = {cf, x, y};
    CHECK_STATUS(pdst_run_op1("where", NULL, 0, bad, 3, outs, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "input 'Condition' is float32, expected bool");
    pdsi_tensor *yf = pdst_mk(PDS_FLOAT32, 2, d23, NULL);
    pdsi_tensor *mixed[3] = {c, x, yf};
    CHECK_STATUS(pdst_run_op1("where", NULL, 0, mixed, 3, outs, 1, &err), PDS_ERR_DTYPE, ep);
    /* M11: shapes that do not broadcast, the inputs named */
    const int64_t d4[1] = {4};
    pdsi_tensor *x4 = pdst_mk(PDS_INT64, 1, d4, NULL);
    pdsi_tensor *nb[3] = {c, x, x4};
    CHECK_STATUS(pdst_run_op1("where", NULL, 0, nb, 3, outs, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "against input 'Y'");
}

/* M11: an output whose element count or byte size overflows is refused by
 * infer, before any buffer exists. The inputs are descriptors only: infer
 * never reads the data of these slots. */
static void test_overflow(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor x = {0}, y = {0}, o = {0};
    pdsi_tensor *ins[2] = {&x, &y}, *outs[1] = {&o};
    pdsi_binary_params params = {PDSI_BINARY_ADD, -1};

    /* 2^64 elements */
    pdsi_tensor_set_shape(&x, PDS_FLOAT32, 2, (const int64_t[2]){INT64_C(1) << 32, 1});
    pdsi_tensor_set_shape(&y, PDS_FLOAT32, 2, (const int64_t[2]){1, INT64_C(1) << 32});
    CHECK_STATUS(pdst_infer_op1("elementwise_add", &params, sizeof params, ins, 2, outs, 1, &err),
                 PDS_ERR_SHAPE, ep);
    /* 2^62 int64 elements: the count fits, the bytes do not */
    pdsi_tensor_set_shape(&x, PDS_INT64, 2, (const int64_t[2]){INT64_C(1) << 31, 1});
    pdsi_tensor_set_shape(&y, PDS_INT64, 2, (const int64_t[2]){1, INT64_C(1) << 31});
    CHECK_STATUS(pdst_infer_op1("elementwise_add", &params, sizeof params, ins, 2, outs, 1, &err),
                 PDS_ERR_SHAPE, ep);
    /* 2^40 elements is a legal shape (whether it can be allocated is the
     * runtime's business) */
    pdsi_tensor_set_shape(&x, PDS_INT64, 2, (const int64_t[2]){INT64_C(1) << 20, 1});
    pdsi_tensor_set_shape(&y, PDS_INT64, 2, (const int64_t[2]){1, INT64_C(1) << 20});
    CHECK_OK(pdst_infer_op1("elementwise_add", &params, sizeof params, ins, 2, outs, 1, &err), ep);
    CHECK_EQ_INT(o.dims[0], INT64_C(1) << 20);
    CHECK_EQ_INT(o.dims[1], INT64_C(1) << 20);
}

int main(void)
{
    RUN_TEST(test_axis_cases);
    RUN_TEST(test_float_ops);
    RUN_TEST(test_int_ops);
    RUN_TEST(test_random_broadcasts);
    RUN_TEST(test_in_place_and_empty);
    RUN_TEST(test_errors);
    RUN_TEST(test_overflow);
    RUN_TEST(test_compare);
    RUN_TEST(test_where);
    RUN_TEST(test_bitwise_and);
    return pdst_summary();
}
